import Conveyor
import ConveyorTesting
import Testing

@Suite("Graceful shutdown", .timeLimit(.minutes(3)))
struct GracefulShutdownTests {
    @Test("running tasks finish within the deadline; those that cannot are released and completed by another worker")
    func finishesOrReleases() async throws {
        try await PostgresFixture.withSchema { client, _ in
            let short = try await client.enqueueMany(
                (0..<3).map { _ in Scripted(action: .sleep, milliseconds: 50) }, options: .init(maxAttempts: 1)
            )
            let long = try await client.enqueueMany(
                (0..<2).map { _ in Scripted(action: .sleep, milliseconds: 600_000) }, options: .init(maxAttempts: 1)
            )
            let log = ExecutionLog()
            let first = try Worker(
                client: client, registry: .scripted(log: log),
                configuration: .fast(shutdownDeadline: .seconds(2)), logger: .test()
            )
            try await withRunningWorker(first) {
                try await waitUntil("all five tasks started") { log.distinct == 5 }
            }
            // The worker has stopped: the short tasks finished, the long ones were handed back.
            for job in short {
                #expect(try await client.task(job.taskIDs[0])?.state == .completed)
            }
            for job in long {
                let task = try #require(try await client.task(job.taskIDs[0]))
                #expect(task.state == .available)
                #expect(task.workerID == nil)
                #expect(task.errors.isEmpty)
                // A released attempt does not count: the task still has an attempt left.
                #expect(task.maxAttempts > task.attempt)
            }
            #expect(try await client.workers().isEmpty)

            // Another worker whose handler completes at once picks the released tasks up.
            var quick = TaskRegistry()
            quick.register(Scripted.self) { _, _ in }
            try await drain(client, registry: quick, configuration: .fast())
            for job in long {
                #expect(try await client.task(job.taskIDs[0])?.state == .completed)
            }
        }
    }
}
