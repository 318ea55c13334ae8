import Conveyor
import ConveyorSQLite
import ConveyorTesting
import Foundation
import Testing

/// The README's Swift tour, as written there, so the README cannot drift from the API.
@Suite("README tour", .boundedParallelism, .timeLimit(.minutes(10)))
struct ReadmeTourTests {
    struct Transcode: TaskDefinition {
        static let name = "transcode"
        static let queue = "media"
        static let maxAttempts = 5
        var file: String
    }

    @Test("define, enqueue (alone, delayed, idempotent, batch), run a worker, see the result")
    func tour() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("conveyor-tour-\(UUID())")
        defer { try? FileManager.default.removeItem(at: directory) }
        let files = ["a.mov", "b.mov"]

        let client = ConveyorClient(try SQLiteDriver(path: directory.appendingPathComponent("app.db").path))
        try await client.migrate()
        let job = try await client.enqueue(Transcode(file: "talk.mov"))
        let late = try await client.enqueue(
            Transcode(file: "late.mov"), options: .init(priority: .high, runAt: Date().addingTimeInterval(60)))
        let once = try await client.enqueue(
            Transcode(file: "once.mov"), options: .init(owner: "user-42", idempotencyKey: "upload-981"))
        let again = try await client.enqueue(
            Transcode(file: "once.mov"), options: .init(owner: "user-42", idempotencyKey: "upload-981"))
        try await client.enqueueMany(files.map { Transcode(file: $0) })
        #expect(again.jobID == once.jobID && again.existing)

        var registry = TaskRegistry()
        registry.register(Transcode.self) { task, context in
            try await context.reportProgress(50, message: "halfway")
            if task.file.isEmpty { throw TaskDiscard("no file given") }
            return ["output": task.file + ".mp4"]
        }
        let worker = try Worker(
            client: client, registry: registry,
            configuration: .init(queues: [.init("media", concurrency: 4)]), logger: .test())
        try await withRunningWorker(worker) {
            try await waitUntil("the tour's job completed") { try await client.job(job.jobID)?.state == .completed }
        }

        let done = try #require(try await client.job(job.jobID))
        #expect(done.tasks.first?.result == #"{"output":"talk.mov.mp4"}"#)
        #expect(done.tasks.first?.progress == 50)
        #expect(try await client.task(late.taskIDs[0])?.state == .scheduled)
    }
}
