import AsyncHTTPClient
import Conveyor
import ConveyorArtifacts
import ConveyorTesting
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import NIOHTTP1
import Testing

@testable import ConveyorService

@Suite("HTTP: artifacts and signed URLs", .boundedParallelism, .timeLimit(.minutes(10)))
struct ArtifactsAPITests {
    static let secret = Array("artifact-url-test-secret-0123456789abcdef".utf8)

    /// A job of alice's whose one task wrote `book.txt` into `store`, as a worker does.
    static func jobWithArtifact(
        _ client: ConveyorClient, store: any ArtifactStore, bytes: [UInt8]
    ) async throws -> (JobID, StoredArtifact) {
        let job = try await client.enqueueJob(
            kind: "book", tasks: [NewTask(kind: "k", queue: "artifacts", name: "write")], owner: "alice")
        let claimed = try #require(
            try await client.driver.taskClaim(
                .init(queue: "artifacts", limit: 1, workerID: "w", leaseDuration: .seconds(60))
            ).first)
        let key = try ArtifactKey(owner: "alice", jobID: job.jobID, taskID: claimed.id, name: "book.txt")
        let stored = try await store.put(key, bytes: bytes, contentType: "text/plain")
        #expect(
            try await client.driver.artifactRegister(
                .init(taskID: claimed.id, attempt: claimed.attempt, artifact: stored)))
        return (job.jobID, stored)
    }

    static func withFileStore<T>(
        _ body: (FileSystemArtifactStore, ServiceConfiguration) async throws -> T
    )
        async throws -> T
    {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("conveyor-artifacts-\(UUID())")
        defer { try? FileManager.default.removeItem(at: root) }
        let store = try FileSystemArtifactStore(root: root.path)
        var configuration = ServiceConfiguration(port: 0)
        configuration.artifactStore = store
        configuration.artifactSigner = try ArtifactURLSigner(secret: secret)
        return try await body(store, configuration)
    }

    static func get(
        _ harness: ServiceHarness, _ uri: String
    ) async throws -> (status: Int, body: [UInt8], type: String?) {
        let response = try await harness.api.execute(uri: uri, method: .get, headers: [:], body: nil)
        return (
            Int(response.status.code), Array(response.body.readableBytesView), response.headers[.contentType]
        )
    }

    @Test(
        "the list gives name, type, size, SHA-256 and a signed URL that serves the bytes for an hour",
        arguments: TestDriver.allCases)
    func listAndDownload(driver: TestDriver) async throws {
        try await Self.withFileStore { store, configuration in
            try await ServiceHarness.run(driver, configuration: configuration) { harness in
                let bytes = Array("Once upon a time.".utf8)
                let (job, stored) = try await Self.jobWithArtifact(harness.client, store: store, bytes: bytes)
                let answer = try await harness.request(.get, "/v1/jobs/\(job)/artifacts", token: harness.alice)
                #expect(answer.status == 200)
                guard case .array(let artifacts)? = answer["artifacts"], case .object(let artifact)? = artifacts.first
                else {
                    Issue.record("no artifacts in \(String(describing: answer.json))")
                    return
                }
                #expect(artifacts.count == 1)
                #expect(artifact["name"] == .string("book.txt"))
                #expect(artifact["content_type"] == .string("text/plain"))
                #expect(artifact["size"] == .integer(Int64(bytes.count)))
                #expect(artifact["sha256"] == .string(stored.sha256))
                guard case .string(let url)? = artifact["url"], case .string(let expires)? = artifact["expires_at"]
                else {
                    Issue.record("no url in \(artifact)")
                    return
                }
                #expect(url.hasPrefix("/v1/artifacts/alice/\(job)/"))
                let expiry = try #require(ISO8601DateFormatter().date(from: expires))
                #expect(abs(expiry.timeIntervalSinceNow - 3600) < 120)

                // No bearer token: the signature is the proof.
                let download = try await Self.get(harness, url)
                #expect(download.status == 200)
                #expect(download.body == bytes)
                #expect(download.type == "text/plain")

                // Another owner's job is the same 404 as a missing one.
                let other = try await harness.request(.get, "/v1/jobs/\(job)/artifacts", token: harness.bob)
                #expect(other.status == 404)
                #expect(other.errorCode == "not_found")
                let missing = try await harness.request(.get, "/v1/jobs/987654/artifacts", token: harness.alice)
                #expect(missing.status == 404)
                let admin = try await harness.request(.get, "/v1/jobs/\(job)/artifacts", token: harness.admin)
                #expect(admin.status == 200)
            }
        }
    }

    @Test("an expired, altered or foreign-signed URL answers 403", arguments: TestDriver.allCases)
    func rejectedURLs(driver: TestDriver) async throws {
        try await Self.withFileStore { store, configuration in
            try await ServiceHarness.run(driver, configuration: configuration) { harness in
                let (_, stored) = try await Self.jobWithArtifact(harness.client, store: store, bytes: [1, 2, 3])
                let signer = try ArtifactURLSigner(secret: Self.secret)
                let valid = signer.sign(stored.key, expiresAt: Date().addingTimeInterval(600))
                #expect(try await Self.get(harness, valid).status == 200)

                let expired = signer.sign(stored.key, expiresAt: Date().addingTimeInterval(-1))
                let foreign = try ArtifactURLSigner(secret: Array(repeating: 7, count: 32))
                    .sign(stored.key, expiresAt: Date().addingTimeInterval(600))
                let components = valid.split(separator: "?", maxSplits: 1).map(String.init)
                let query = components[1]
                let signature = String(query.split(separator: "signature=")[1])
                let flipped = String(signature.dropLast()) + (signature.hasSuffix("0") ? "1" : "0")
                let later = Int(Date().timeIntervalSince1970) + 7200
                let altered = [
                    expired,
                    foreign,
                    components[0] + "?" + query.replacingOccurrences(of: signature, with: flipped),
                    components[0].replacingOccurrences(of: "book.txt", with: "other.txt") + "?" + query,
                    components[0] + "?expires=\(later)&signature=\(signature)",
                    components[0] + "?expires=\(later)",
                    components[0],
                ]
                for uri in altered {
                    let answer = try await harness.request(.get, uri, token: nil)
                    #expect(answer.status == 403, "\(uri)")
                    #expect(answer.errorCode == "invalid_signature", "\(uri)")
                }
            }
        }
    }

    @Test("an S3 store's artifacts come with presigned URLs that serve the bytes")
    func presigned() async throws {
        try await S3TestServer.withStore { store in
            var configuration = ServiceConfiguration(port: 0)
            configuration.artifactStore = store
            try await ServiceHarness.run(.sqlite, configuration: configuration) { harness in
                let bytes = Array("presigned".utf8)
                let (job, _) = try await Self.jobWithArtifact(harness.client, store: store, bytes: bytes)
                let answer = try await harness.request(.get, "/v1/jobs/\(job)/artifacts", token: harness.alice)
                guard case .array(let artifacts)? = answer["artifacts"], case .object(let artifact)? = artifacts.first,
                    case .string(let url)? = artifact["url"]
                else {
                    Issue.record("no artifact URL in \(String(describing: answer.json))")
                    return
                }
                #expect(url.hasPrefix("http://"))
                #expect(url.contains("X-Amz-Signature="))
                let response = try await HTTPClient.shared.execute(
                    HTTPClientRequest(url: url), timeout: .seconds(30))
                #expect(response.status.code == 200)
                let body = try await response.body.collect(upTo: 1 << 20)
                #expect(Array(body.readableBytesView) == bytes)
            }
        }
    }
}
