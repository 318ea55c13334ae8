import Conveyor
import ConveyorS3
import Crypto
import Foundation
import Testing

@Suite("S3 artifact store, against a real S3-compatible server", .boundedParallelism, .timeLimit(.minutes(10)))
struct S3ArtifactStoreTests {
    static let key = try! ArtifactKey(owner: "alice@example.com", jobID: 42, taskID: 43, name: "chapter-1.mp3")

    @Test("put stores the bytes and reports size and SHA-256; get reads them back with their content type")
    func putAndGet() async throws {
        try await S3TestServer.withStore { store in
            let bytes = Array("hello world".utf8)
            let stored = try await store.put(Self.key, bytes: bytes, contentType: "audio/mpeg")
            #expect(
                stored
                    == StoredArtifact(
                        key: Self.key, size: 11, contentType: "audio/mpeg",
                        sha256: "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9"
                    )
            )
            #expect(try await store.get(Self.key) == ArtifactContent(bytes: bytes, contentType: "audio/mpeg"))
        }
    }

    @Test("a presigned URL serves the artifact to a plain HTTP GET, without credentials")
    func presignedGet() async throws {
        try await S3TestServer.withStore { store in
            let bytes = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
            _ = try await store.put(Self.key, bytes: bytes, contentType: "audio/mpeg")
            guard case .presigned(let url, _) = try await store.download(Self.key, expiresIn: .seconds(900)) else {
                Issue.record("an S3 store signs its own URLs")
                return
            }
            #expect(url.absoluteString.contains("/alice%2540example.com/42/43/chapter-1.mp3?X-Amz-Algorithm="))
            let response = try await S3TestServer.fetch(url.absoluteString)
            #expect(response.status == 200)
            #expect(response.contentType == "audio/mpeg")
            #expect(response.body == bytes)
        }
    }

    @Test("download reports when its URL expires, by the store's clock")
    func downloadExpiry() async throws {
        let now = Date(timeIntervalSince1970: 1_767_225_600.75)
        try await S3TestServer.withStore { store in
            let clocked = try S3ArtifactStore(configuration: store.configuration, now: { now })
            let download = try await clocked.download(Self.key, expiresIn: .seconds(900))
            guard case .presigned(let url, let expiresAt) = download else {
                Issue.record("an S3 store signs its own URLs")
                return
            }
            // Signed at 00:00:00 (X-Amz-Date has whole seconds), valid for 900 s.
            #expect(expiresAt == Date(timeIntervalSince1970: 1_767_225_600 + 900))
            #expect(url.absoluteString.contains("X-Amz-Date=20260101T000000Z&X-Amz-Expires=900&"))
        }
    }

    @Test("an expired presigned URL is refused")
    func expiredURL() async throws {
        try await S3TestServer.withStore { store in
            _ = try await store.put(Self.key, bytes: [1, 2, 3], contentType: "audio/mpeg")
            // Signed a minute ago for one second: expired, without waiting for it.
            let url = try store.presignedGetURL(
                for: Self.key, expiresIn: .seconds(1), signedAt: Date().addingTimeInterval(-60)
            )
            let response = try await S3TestServer.fetch(url.absoluteString)
            #expect(response.status == 403)
            #expect(String(decoding: response.body, as: UTF8.self).contains("Request has expired"))
        }
    }

    @Test("an altered presigned URL is refused: another key, a longer expiry, another signature")
    func alteredURL() async throws {
        try await S3TestServer.withStore { store in
            let other = try ArtifactKey(owner: "alice@example.com", jobID: 42, taskID: 43, name: "chapter-2.mp3")
            _ = try await store.put(Self.key, bytes: [1], contentType: "audio/mpeg")
            _ = try await store.put(other, bytes: [2], contentType: "audio/mpeg")
            let url = try store.presignedGetURL(for: Self.key, expiresIn: .seconds(900), signedAt: Date())
                .absoluteString
            #expect(try await S3TestServer.fetch(url).status == 200)
            let signature = String(url.suffix(64))
            let altered = [
                url.replacingOccurrences(of: "chapter-1.mp3", with: "chapter-2.mp3"),
                url.replacingOccurrences(of: "X-Amz-Expires=900", with: "X-Amz-Expires=9000"),
                url.replacingOccurrences(of: signature, with: String(signature.reversed())),
                url.replacingOccurrences(of: "&X-Amz-Signature=" + signature, with: ""),
            ]
            for url in altered {
                let response = try await S3TestServer.fetch(url)
                #expect(response.status == 403, "\(url)")
                #expect(response.body != [1] && response.body != [2])
            }
        }
    }

    @Test("a retried attempt's put replaces the bytes and the checksum")
    func overwriteOnRetry() async throws {
        try await S3TestServer.withStore { store in
            let first = try await store.put(
                Self.key, bytes: Array(repeating: 7, count: 50_000), contentType: "audio/wav")
            let second = try await store.put(Self.key, bytes: Array("take two".utf8), contentType: "audio/mpeg")
            #expect(first.sha256 != second.sha256)
            #expect(second.sha256 == Hex.encode(SHA256.hash(data: Array("take two".utf8))))
            #expect(second.size == 8)
            #expect(
                try await store.get(Self.key)
                    == ArtifactContent(bytes: Array("take two".utf8), contentType: "audio/mpeg"))
            let url = try store.presignedGetURL(for: Self.key, expiresIn: .seconds(60), signedAt: Date())
            #expect(try await S3TestServer.fetch(url.absoluteString).body == Array("take two".utf8))
        }
    }

    @Test("deleteAll removes one job's artifacts across pages, and leaves other jobs and owners alone")
    func deleteByPrefix() async throws {
        try await S3TestServer.withStore { original in
            var store = original
            store.listPageSize = 2
            let doomed = try (1...5).map { try ArtifactKey(owner: "a@b", jobID: 42, taskID: 1, name: "part-\($0).mp3") }
            let kept = try [
                ArtifactKey(owner: "a@b", jobID: 4, taskID: 1, name: "part-1.mp3"),
                ArtifactKey(owner: "a@b", jobID: 420, taskID: 1, name: "part-1.mp3"),
                ArtifactKey(owner: "other", jobID: 42, taskID: 1, name: "part-1.mp3"),
            ]
            for key in doomed + kept { _ = try await store.put(key, bytes: [1], contentType: "audio/mpeg") }
            #expect(try await store.deleteAll(under: .job(owner: "a@b", jobID: 42)) == 5)
            for key in doomed { #expect(try await store.get(key) == nil) }
            for key in kept { #expect(try await store.get(key) != nil) }
            #expect(try await store.deleteAll(under: .job(owner: "a@b", jobID: 42)) == 0)
        }
    }

    @Test("a missing artifact reads as nil, and deleting it succeeds")
    func missing() async throws {
        try await S3TestServer.withStore { store in
            #expect(try await store.get(Self.key) == nil)
            try await store.delete(Self.key)
            _ = try await store.put(Self.key, bytes: [1], contentType: "audio/mpeg")
            try await store.delete(Self.key)
            #expect(try await store.get(Self.key) == nil)
        }
    }

    @Test("creating the bucket again succeeds; a missing bucket is an error, not a missing artifact")
    func buckets() async throws {
        try await S3TestServer.withStore { store in
            try await store.createBucket()
            var configuration = store.configuration
            configuration.bucket = "conveyor-test-never-created"
            let missing = try S3ArtifactStore(configuration: configuration)
            let error = await #expect(throws: ConveyorError.self) { try await missing.get(Self.key) }
            #expect(error?.code == .storageFailure)
            #expect(error?.description.contains("NoSuchBucket") == true, "\(error?.description ?? "")")
        }
    }

    @Test("an object larger than the configured maximum is refused, not read into memory")
    func tooLarge() async throws {
        try await S3TestServer.withStore { store in
            _ = try await store.put(Self.key, bytes: Array(repeating: 1, count: 10), contentType: "audio/mpeg")
            var configuration = store.configuration
            configuration.maximumObjectSize = 4
            let small = try S3ArtifactStore(configuration: configuration)
            let error = await #expect(throws: ConveyorError.self) { try await small.get(Self.key) }
            #expect(error?.code == .storageFailure)
            #expect(error?.description.contains("maximumObjectSize") == true, "\(error?.description ?? "")")
        }
    }

    @Test("requests signed with the wrong secret are refused, and say so")
    func wrongSecret() async throws {
        try await S3TestServer.withStore { store in
            var configuration = store.configuration
            configuration.secretAccessKey = "not-the-secret"
            let impostor = try S3ArtifactStore(configuration: configuration)
            let error = await #expect(throws: ConveyorError.self) {
                try await impostor.put(Self.key, bytes: [1], contentType: "audio/mpeg")
            }
            #expect(error?.code == .storageFailure)
            #expect(error?.description.contains("403 SignatureDoesNotMatch") == true, "\(error?.description ?? "")")
            #expect(try await store.get(Self.key) == nil)
            let url = try impostor.presignedGetURL(for: Self.key, expiresIn: .seconds(60), signedAt: Date())
            #expect(try await S3TestServer.fetch(url.absoluteString).status == 403)
        }
    }

    @Test("an unreachable endpoint is a storage failure that names it")
    func unreachable() async throws {
        let configuration = S3Configuration(
            endpoint: "http://127.0.0.1:1", region: "us-east-1", bucket: "conveyor-test", accessKeyID: "a",
            secretAccessKey: "b", requestTimeout: .seconds(2)  // the HTTP client retries connecting until then
        )
        let store = try S3ArtifactStore(configuration: configuration)
        let error = await #expect(throws: ConveyorError.self) { try await store.get(Self.key) }
        #expect(error?.code == .storageFailure)
        #expect(error?.description.contains("http://127.0.0.1:1") == true)
    }

    @Test(
        "a malformed configuration is refused with what to fix",
        arguments: [
            ("ftp://example.com", "conveyor", "endpoint"), ("http://", "conveyor", "endpoint"),
            ("http://example.com/path", "conveyor", "endpoint"), ("example.com", "conveyor", "endpoint"),
            ("http://example.com", "Conveyor", "bucket"), ("http://example.com", "ab", "bucket"),
            ("http://example.com", "-conveyor", "bucket"), ("http://example.com", "con_veyor", "bucket"),
        ]
    )
    func configuration(endpoint: String, bucket: String, problem: String) {
        let configuration = S3Configuration(
            endpoint: endpoint, region: "us-east-1", bucket: bucket, accessKeyID: "a", secretAccessKey: "b"
        )
        let error = #expect(throws: ConveyorError.self) { try S3ArtifactStore(configuration: configuration) }
        #expect(error?.code == .invalidConfiguration)
        #expect(error?.description.contains(problem) == true, "\(error?.description ?? "")")
    }

    @Test("URL lifetimes outside 1 second to 7 days are refused")
    func urlLifetime() throws {
        let configuration = S3Configuration(
            endpoint: "http://127.0.0.1:9000", region: "us-east-1", bucket: "conveyor", accessKeyID: "a",
            secretAccessKey: "b"
        )
        let store = try S3ArtifactStore(configuration: configuration)
        for lifetime: Duration in [.zero, .milliseconds(500), .seconds(7 * 24 * 3600 + 1)] {
            #expect(throws: ConveyorError.self) {
                try store.presignedGetURL(for: Self.key, expiresIn: lifetime, signedAt: Date())
            }
        }
        #expect(throws: Never.self) {
            try store.presignedGetURL(for: Self.key, expiresIn: .seconds(7 * 24 * 3600), signedAt: Date())
        }
    }
}
