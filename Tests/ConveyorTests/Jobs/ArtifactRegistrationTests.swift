import Conveyor
import ConveyorArtifacts
import ConveyorTesting
import Crypto
import Foundation
import Testing

@Suite("Artifacts written by handlers", .boundedParallelism, .timeLimit(.minutes(10)))
struct ArtifactRegistrationTests {
    @Test(
        "a handler writes an artifact; a retried attempt replaces it, bytes and record", arguments: TestDriver.allCases)
    func writeAndOverwrite(driver: TestDriver) async throws {
        try await withTemporaryDirectory { root in
            try await driver.withDatabase { client in
                let store = try FileSystemArtifactStore(root: root)
                var registry = TaskRegistry()
                registry.register(kind: "render", retryPolicy: RetryPolicy(initial: .milliseconds(5), jitter: 0)) {
                    _, context in
                    try await context.writeArtifact(
                        named: "out.txt", bytes: Array("attempt \(context.attempt)".utf8), contentType: "text/plain")
                    if context.attempt == 1 { throw ScriptedFailure(attempt: 1) }
                    return nil
                }
                var configuration = WorkerConfiguration.fast(queues: [QueueConfiguration("render")])
                configuration.artifactStore = store
                let job = try await client.enqueue(NewTask(kind: "render", queue: "render"), owner: "alice")
                try await drain(client, registry: registry, configuration: configuration)

                #expect(try await client.job(job.jobID)?.state == .completed)
                let records = try await client.artifacts(of: job.jobID)
                #expect(records.count == 1)
                let record = try #require(records.first)
                let bytes = Array("attempt 2".utf8)
                #expect(record.attempt == 2)
                #expect(record.size == bytes.count)
                #expect(record.contentType == "text/plain")
                #expect(record.sha256 == SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined())
                #expect(record.storageKey == "alice/\(job.jobID)/\(job.taskIDs[0])/out.txt")
                #expect(try await store.get(try record.key())?.bytes == bytes)
            }
        }
    }

    @Test("an attempt that no longer holds its task cannot register an artifact", arguments: TestDriver.allCases)
    func staleAttemptRefused(driver: TestDriver) async throws {
        try await driver.withDatabase { client in
            let job = try await client.enqueue(NewTask(kind: "render", queue: "stale"))
            _ = try await client.driver.taskClaim(
                .init(queue: "stale", limit: 1, workerID: "w", leaseDuration: .seconds(30)))
            let key = try ArtifactKey(owner: "o", jobID: job.jobID, taskID: job.taskIDs[0], name: "x")
            let artifact = StoredArtifact(key: key, size: 1, contentType: "text/plain", sha256: "00")
            #expect(
                try await client.driver.artifactRegister(.init(taskID: job.taskIDs[0], attempt: 2, artifact: artifact))
                    == false)
            #expect(
                try await client.driver.artifactRegister(.init(taskID: job.taskIDs[0], attempt: 1, artifact: artifact)))
            #expect(try await client.artifacts(of: job.jobID).map(\.name) == ["x"])
        }
    }

    @Test("a result over the configured limit discards the task, pointing at artifacts", arguments: TestDriver.allCases)
    func resultLimit(driver: TestDriver) async throws {
        try await driver.withDatabase { client in
            var registry = TaskRegistry()
            registry.register(kind: "big") { _, _ in "\"" + String(repeating: "x", count: 100) + "\"" }
            var configuration = WorkerConfiguration.fast(queues: [QueueConfiguration("big")])
            configuration.maxResultBytes = 50
            let job = try await client.enqueue(NewTask(kind: "big", queue: "big"))
            try await drain(client, registry: registry, configuration: configuration)
            let task = try #require(try await client.task(job.taskIDs[0]))
            #expect(task.state == .discarded)
            #expect(task.errors.last?.error.contains("50-byte limit") == true)
            #expect(task.errors.last?.error.contains("artifact") == true)
        }
    }
}
