public import Conveyor
import Crypto
import Foundation
import NIOPosix

/// The default artifact store: files under a root directory, usually the data directory.
///
/// Layout under `root`:
///
/// - `objects/{owner}/{jobId}/{taskId}/{name}`: the bytes, exactly as written, so an operator can
///   copy a file out;
/// - `metadata/{owner}/{jobId}/{taskId}/{name}`: a JSON sidecar with content type, size and SHA-256;
/// - `tmp/`: writes in progress.
///
/// A `put` writes the bytes to a new file in `tmp/`, hashing them as it goes, flushes it to disk,
/// then renames it over the old file: a retried attempt replaces its artifact whole, and a reader
/// sees the old bytes or the new ones, never half a file. The sidecar follows the same way right
/// after; the artifacts table, not the sidecar, is the record of truth for the content type.
///
/// The store has no URLs of its own: `download` answers `.throughService`, and Conveyor's HTTP
/// service serves `path(for:)` under a URL signed by `ArtifactURLSigner`. File I/O runs on NIO's
/// blocking-I/O thread pool, never on the cooperative pool.
///
/// ```swift
/// let store = try FileSystemArtifactStore(root: "/var/lib/conveyor/artifacts")
/// let stored = try await store.put(key, bytes: pdf, contentType: "application/pdf")
/// ```
public struct FileSystemArtifactStore: ArtifactStore {
    /// The absolute directory everything lives under.
    public let root: String
    private let threadPool = NIOThreadPool.singleton

    /// A store under `root` (relative paths are resolved against the current directory now);
    /// directories are created on first write. Throws `ConveyorError(.invalidConfiguration)` for
    /// an empty path.
    public init(root: String) throws {
        guard !root.isEmpty else {
            throw ConveyorError(
                .invalidConfiguration, "artifact directory is empty: give the path to store artifacts under")
        }
        let absolute = root.hasPrefix("/") ? root : FileManager.default.currentDirectoryPath + "/" + root
        self.root = URL(fileURLWithPath: absolute).standardizedFileURL.path
    }

    /// The file holding the artifact's bytes: what the HTTP service streams to clients.
    public func path(for key: ArtifactKey) -> String { root + "/objects/" + key.storageKey }

    private func metadataPath(for key: ArtifactKey) -> String { root + "/metadata/" + key.storageKey }

    public func put(_ key: ArtifactKey, bytes: [UInt8], contentType: String) async throws -> StoredArtifact {
        try ArtifactContentType.check(contentType)
        let objectPath = path(for: key)
        let metadataPath = metadataPath(for: key)
        let temporaryDirectory = root + "/tmp"
        return try await blocking("write artifact \(key)") {
            let objectDirectory = Self.parent(of: objectPath)
            let metadataDirectory = Self.parent(of: metadataPath)
            for directory in [objectDirectory, metadataDirectory, temporaryDirectory] {
                try FileOperations.makeDirectories(directory)
            }
            let token = UUID().uuidString
            let temporaryObject = temporaryDirectory + "/" + token + ".object"
            let temporaryMetadata = temporaryDirectory + "/" + token + ".metadata"
            defer {
                _ = try? FileOperations.removeFile(temporaryObject)
                _ = try? FileOperations.removeFile(temporaryMetadata)
            }
            let digest = try FileOperations.writeNewFile(temporaryObject, bytes: bytes)
            let sidecar = ArtifactSidecar(contentType: contentType, size: bytes.count, sha256: Hex.encode(digest))
            try FileOperations.writeNewFile(temporaryMetadata, bytes: Array(try JSONEncoder().encode(sidecar)))
            try FileOperations.replace(objectPath, with: temporaryObject)
            try FileOperations.replace(metadataPath, with: temporaryMetadata)
            try FileOperations.syncDirectory(objectDirectory)
            try FileOperations.syncDirectory(metadataDirectory)
            return StoredArtifact(key: key, size: sidecar.size, contentType: contentType, sha256: sidecar.sha256)
        }
    }

    public func get(_ key: ArtifactKey) async throws -> ArtifactContent? {
        let objectPath = path(for: key)
        let metadataPath = metadataPath(for: key)
        return try await blocking("read artifact \(key)") {
            guard let metadata = try FileOperations.readFile(metadataPath),
                let bytes = try FileOperations.readFile(objectPath)
            else { return nil }
            let sidecar: ArtifactSidecar
            do {
                sidecar = try JSONDecoder().decode(ArtifactSidecar.self, from: Data(metadata))
            } catch {
                throw FileOperationFailure(operation: "decode", path: metadataPath, detail: String(describing: error))
            }
            return ArtifactContent(bytes: bytes, contentType: sidecar.contentType)
        }
    }

    public func delete(_ key: ArtifactKey) async throws {
        let objectPath = path(for: key)
        let metadataPath = metadataPath(for: key)
        try await blocking("delete artifact \(key)") {
            try FileOperations.removeFile(objectPath)
            try FileOperations.removeFile(metadataPath)
        }
    }

    public func deleteAll(under prefix: ArtifactKeyPrefix) async throws -> Int {
        let directory = String(prefix.storagePrefix.dropLast())
        let objects = root + "/objects/" + directory
        let metadata = root + "/metadata/" + directory
        return try await blocking("delete artifacts under \(prefix)") {
            let count = try FileOperations.removeTree(objects)
            _ = try FileOperations.removeTree(metadata)
            return count
        }
    }

    public func download(_ key: ArtifactKey, expiresIn: Duration) async throws -> ArtifactDownload {
        .throughService
    }

    /// Runs `body` on the blocking-I/O pool; a failure becomes a `storageFailure` that names the
    /// artifact and keeps the path and system error in `debugDescription`.
    private func blocking<T: Sendable>(
        _ what: String, _ body: @escaping @Sendable () throws -> T
    ) async throws -> T {
        do {
            return try await threadPool.runIfActive(body)
        } catch let error as ConveyorError {
            throw error
        } catch {
            throw ConveyorError(.storageFailure, "could not \(what)", underlying: error)
        }
    }

    private static func parent(of path: String) -> String {
        String(path[..<(path.lastIndex(of: "/") ?? path.endIndex)])
    }
}
