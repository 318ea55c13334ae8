import Conveyor
import ConveyorTesting
import Foundation
import Testing

/// At-least-once across a crash: a worker process killed outright loses nothing.
@Suite("Lease rescue after a crash", .boundedParallelism, .timeLimit(.minutes(10)))
struct CLIRescueTests {
    @Test("a conveyor work process killed with SIGKILL while holding 50 running tasks: all 50 run again and complete")
    func killedWorker() async throws {
        try await CLIDatabase.with { database, client in
            try await client.migrate()
            let total = 50
            let jobs = try await client.enqueueMany(
                (0..<total).map { _ in NewTask(kind: "sleep", input: #"{"ms": 600000}"#) }
            )
            let victim = try CLIProcess(
                ["work", "--concurrency", "\(total)", "--lease-duration", "2s", "--no-maintenance"]
                    + database.arguments
            )
            defer { victim.killIfRunning() }
            try await waitUntil("the worker process holds all 50 tasks", timeout: .seconds(60)) {
                try await client.queueStats().first?.running == total
            }
            victim.signal(SIGKILL)
            let killed = try await victim.waitForExit()
            #expect(killed.killedBySignal)

            // A second worker whose sleep handler returns at once; its leader rescues the expired leases.
            let log = ExecutionLog()
            var registry = TaskRegistry()
            registry.register(kind: "sleep") { _, context in
                log.record(context.taskID)
                return nil
            }
            var configuration = WorkerConfiguration.fast(queues: [
                QueueConfiguration(TaskDefaults.queue, concurrency: 10)
            ])
            configuration.maintenance?.rescueInterval = .milliseconds(200)
            let rescuer = try Worker(client: client, registry: registry, configuration: configuration, logger: .test())
            try await withRunningWorker(rescuer) {
                try await waitUntil("all 50 tasks completed", timeout: .seconds(60)) {
                    try await client.queueStats().first?.completedToday == total
                }
            }
            #expect(log.distinct == total)
            #expect(log.duplicates.isEmpty)
            for job in jobs {
                let task = try #require(try await client.task(job.taskIDs[0]))
                #expect(task.state == .completed)
                #expect(task.attempt == 2)
                #expect(task.errors.count == 1)
                #expect(task.errors.first?.error.contains("lease expired") == true)
            }
        }
    }
}
