import Conveyor
import Crypto
import Foundation

#if canImport(Darwin)
    import Darwin
#elseif canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// A failed system call, with the path it was about: the `underlying` of a `storageFailure`.
struct FileOperationFailure: Error, CustomStringConvertible {
    var operation: String
    var path: String
    var detail: String

    init(operation: String, path: String, code: Int32) {
        self.init(operation: operation, path: path, detail: "\(String(cString: strerror(code))) (errno \(code))")
    }

    init(operation: String, path: String, detail: String) {
        self.operation = operation
        self.path = path
        self.detail = detail
    }

    var description: String { "\(operation) \(path): \(detail)" }
}

/// The blocking file operations of `FileSystemArtifactStore`; callers run them off the
/// cooperative pool.
enum FileOperations {
    /// Bytes handed to one `write` call, and hashed between calls.
    static let chunkSize = 1 << 20

    /// Creates `path` and its missing parents.
    static func makeDirectories(_ path: String) throws {
        var current = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            current += "/" + component
            if mkdir(current, 0o755) != 0 && errno != EEXIST {
                throw FileOperationFailure(operation: "mkdir", path: current, code: errno)
            }
        }
    }

    /// Creates a new file at `path` (failing if one exists), writes `bytes`, flushes them to disk
    /// and returns their SHA-256, computed chunk by chunk as they are written.
    @discardableResult
    static func writeNewFile(_ path: String, bytes: [UInt8]) throws -> SHA256.Digest {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw FileOperationFailure(operation: "create", path: path, code: errno) }
        defer { close(descriptor) }
        var hasher = SHA256()
        try bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let chunk = UnsafeRawBufferPointer(rebasing: buffer[offset..<min(offset + chunkSize, buffer.count)])
                hasher.update(bufferPointer: chunk)
                var written = 0
                while written < chunk.count {
                    let result = write(descriptor, chunk.baseAddress! + written, chunk.count - written)
                    if result < 0 {
                        if errno == EINTR { continue }
                        throw FileOperationFailure(operation: "write", path: path, code: errno)
                    }
                    written += result
                }
                offset += chunk.count
            }
        }
        guard fsync(descriptor) == 0 else { throw FileOperationFailure(operation: "fsync", path: path, code: errno) }
        return hasher.finalize()
    }

    /// Replaces `destination` with `source` in one step: readers see the old file or the new one.
    static func replace(_ destination: String, with source: String) throws {
        guard rename(source, destination) == 0 else {
            throw FileOperationFailure(operation: "rename to", path: destination, code: errno)
        }
    }

    /// Flushes a directory's entries, so a rename in it survives a crash.
    static func syncDirectory(_ path: String) throws {
        let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw FileOperationFailure(operation: "open", path: path, code: errno) }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw FileOperationFailure(operation: "fsync", path: path, code: errno) }
    }

    /// The whole file, or nil when there is none.
    static func readFile(_ path: String) throws -> [UInt8]? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        if descriptor < 0 {
            if errno == ENOENT || errno == ENOTDIR { return nil }
            throw FileOperationFailure(operation: "open", path: path, code: errno)
        }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: chunkSize)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress!, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw FileOperationFailure(operation: "read", path: path, code: errno)
            }
            if count == 0 { return bytes }
            bytes.append(contentsOf: chunk[0..<count])
        }
    }

    /// Removes a file; true when it existed.
    @discardableResult
    static func removeFile(_ path: String) throws -> Bool {
        if unlink(path) == 0 { return true }
        if errno == ENOENT || errno == ENOTDIR { return false }
        throw FileOperationFailure(operation: "unlink", path: path, code: errno)
    }

    /// Removes a directory and everything in it; returns how many regular files it held.
    static func removeTree(_ path: String) throws -> Int {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
            return 0
        }
        var count = 0
        if let entries = FileManager.default.enumerator(atPath: path) {
            while entries.nextObject() != nil {
                if entries.fileAttributes?[.type] as? FileAttributeType == .typeRegular { count += 1 }
            }
        }
        do {
            try FileManager.default.removeItem(atPath: path)
        } catch {
            throw FileOperationFailure(operation: "remove", path: path, detail: String(describing: error))
        }
        return count
    }
}
