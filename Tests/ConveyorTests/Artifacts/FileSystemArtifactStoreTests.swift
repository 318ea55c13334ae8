import Conveyor
import ConveyorArtifacts
import Foundation
import Testing

@Suite("Filesystem artifact store", .boundedParallelism, .timeLimit(.minutes(10)))
struct FileSystemArtifactStoreTests {
    static let helloSHA256 = "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9"

    @Test("put writes the bytes under the key and reports size, content type and SHA-256")
    func putAndGet() async throws {
        try await withTemporaryDirectory { root in
            let store = try FileSystemArtifactStore(root: root)
            let key = try ArtifactKey(owner: "alice@example.com", jobID: 42, taskID: 43, name: "chapter 1.mp3")
            let stored = try await store.put(key, bytes: Array("hello world".utf8), contentType: "audio/mpeg")
            #expect(stored == StoredArtifact(key: key, size: 11, contentType: "audio/mpeg", sha256: Self.helloSHA256))
            let content = try #require(try await store.get(key))
            #expect(content == ArtifactContent(bytes: Array("hello world".utf8), contentType: "audio/mpeg"))
            // The bytes sit in a plain file named by the storage key, for an operator or a web server.
            #expect(store.path(for: key) == root + "/objects/alice%40example.com/42/43/chapter%201.mp3")
            #expect(FileManager.default.contents(atPath: store.path(for: key)) == Data("hello world".utf8))
        }
    }

    @Test("an empty artifact is stored, with the SHA-256 of nothing")
    func emptyArtifact() async throws {
        try await withTemporaryDirectory { root in
            let store = try FileSystemArtifactStore(root: root)
            let key = try ArtifactKey(owner: "alice", jobID: 1, taskID: 1, name: "empty.txt")
            let stored = try await store.put(key, bytes: [], contentType: "text/plain")
            #expect(stored.size == 0)
            #expect(stored.sha256 == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
            #expect(try await store.get(key)?.bytes == [])
        }
    }

    @Test("a retried attempt's put replaces the bytes, the checksum and the content type, and leaves no temporary file")
    func overwriteOnRetry() async throws {
        try await withTemporaryDirectory { root in
            let store = try FileSystemArtifactStore(root: root)
            let key = try ArtifactKey(owner: "alice", jobID: 7, taskID: 8, name: "out.bin")
            let first = try await store.put(
                key, bytes: Array(repeating: 1, count: 3_000_000), contentType: "text/plain")
            let second = try await store.put(key, bytes: Array("hello world".utf8), contentType: "audio/mpeg")
            #expect(first.sha256 != second.sha256)
            #expect(second.sha256 == Self.helloSHA256)
            #expect(second.size == 11)
            #expect(
                try await store.get(key) == ArtifactContent(bytes: Array("hello world".utf8), contentType: "audio/mpeg")
            )
            #expect(try FileManager.default.contentsOfDirectory(atPath: root + "/tmp").isEmpty)
        }
    }

    @Test("readers during overwrites see one whole version or the other, never a mix")
    func overwriteIsAtomic() async throws {
        try await withTemporaryDirectory { root in
            let store = try FileSystemArtifactStore(root: root)
            let key = try ArtifactKey(owner: "alice", jobID: 7, taskID: 8, name: "out.bin")
            let versions: [[UInt8]] = [Array(repeating: 0x41, count: 1 << 20), Array(repeating: 0x42, count: 3 << 20)]
            // Compared as Data (one memcmp): `[UInt8] ==` in a debug build compares byte by byte
            // through generic calls, seconds of CPU per read that held a thread of the concurrency
            // pool, shared by every test running at the same time.
            let expected = versions.map { Data($0) }
            _ = try await store.put(key, bytes: versions[0], contentType: "application/octet-stream")
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for round in 0..<20 {
                        _ = try await store.put(
                            key, bytes: versions[round % 2], contentType: "application/octet-stream")
                    }
                }
                for _ in 0..<2 {
                    group.addTask {
                        for _ in 0..<20 {
                            let bytes = try #require(try await store.get(key)).bytes
                            #expect(expected.contains(Data(bytes)), "read \(bytes.count) bytes that match no version")
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
    }

    @Test("delete removes an artifact; deleting a missing one succeeds; a missing artifact reads as nil")
    func delete() async throws {
        try await withTemporaryDirectory { root in
            let store = try FileSystemArtifactStore(root: root)
            let key = try ArtifactKey(owner: "alice", jobID: 1, taskID: 2, name: "a.txt")
            _ = try await store.put(key, bytes: [1, 2, 3], contentType: "text/plain")
            try await store.delete(key)
            #expect(try await store.get(key) == nil)
            try await store.delete(key)
            let never = try ArtifactKey(owner: "nobody", jobID: 9, taskID: 9, name: "x")
            #expect(try await store.get(never) == nil)
        }
    }

    @Test("deleteAll removes one job's artifacts and leaves other jobs and owners alone")
    func deleteByPrefix() async throws {
        try await withTemporaryDirectory { root in
            let store = try FileSystemArtifactStore(root: root)
            let doomed = try [
                ArtifactKey(owner: "a@b", jobID: 42, taskID: 1, name: "one.mp3"),
                ArtifactKey(owner: "a@b", jobID: 42, taskID: 1, name: "two.mp3"),
                ArtifactKey(owner: "a@b", jobID: 42, taskID: 2, name: "book.pdf"),
            ]
            let kept = try [
                ArtifactKey(owner: "a@b", jobID: 4, taskID: 1, name: "one.mp3"),
                ArtifactKey(owner: "a@b", jobID: 420, taskID: 1, name: "one.mp3"),
                ArtifactKey(owner: "other", jobID: 42, taskID: 1, name: "one.mp3"),
            ]
            for key in doomed + kept { _ = try await store.put(key, bytes: [1], contentType: "audio/mpeg") }
            #expect(try await store.deleteAll(under: .job(owner: "a@b", jobID: 42)) == 3)
            for key in doomed { #expect(try await store.get(key) == nil) }
            for key in kept { #expect(try await store.get(key) != nil) }
            #expect(try await store.deleteAll(under: .job(owner: "a@b", jobID: 42)) == 0)
            #expect(try await store.deleteAll(under: .task(owner: "other", jobID: 42, taskID: 1)) == 1)
            #expect(try await store.deleteAll(under: .owner("a@b")) == 2)
        }
    }

    @Test("an invalid content type is refused and nothing is written")
    func invalidContentType() async throws {
        try await withTemporaryDirectory { root in
            let store = try FileSystemArtifactStore(root: root)
            let key = try ArtifactKey(owner: "alice", jobID: 1, taskID: 2, name: "a.txt")
            let error = await #expect(throws: ConveyorError.self) {
                try await store.put(key, bytes: [1], contentType: "text/plain\r\nX-Evil: 1")
            }
            #expect(error?.code == .invalidInput)
            #expect(try await store.get(key) == nil)
        }
    }

    @Test("the store has no URLs of its own: downloads go through the service")
    func downloadThroughService() async throws {
        try await withTemporaryDirectory { root in
            let store = try FileSystemArtifactStore(root: root)
            let key = try ArtifactKey(owner: "alice", jobID: 1, taskID: 2, name: "a.txt")
            #expect(try await store.download(key, expiresIn: .seconds(60)) == .throughService)
        }
    }

    @Test("the root must be given; a relative root is made absolute")
    func root() throws {
        #expect(throws: ConveyorError.self) { try FileSystemArtifactStore(root: "") }
        let store = try FileSystemArtifactStore(root: "artifacts")
        #expect(store.root == FileManager.default.currentDirectoryPath + "/artifacts")
    }

    @Test("a write that cannot be done is a storage failure naming the artifact")
    func writeFailure() async throws {
        try await withTemporaryDirectory { root in
            // A file where the objects directory should be: nothing can be created under it.
            #expect(FileManager.default.createFile(atPath: root + "/objects", contents: Data()))
            let store = try FileSystemArtifactStore(root: root)
            let key = try ArtifactKey(owner: "alice", jobID: 1, taskID: 2, name: "a.txt")
            let error = await #expect(throws: ConveyorError.self) {
                try await store.put(key, bytes: [1], contentType: "text/plain")
            }
            #expect(error?.code == .storageFailure)
            #expect(error?.description == "could not write artifact alice/1/2/a.txt")
        }
    }
}
