import Conveyor
import ConveyorTesting
import Testing

@Suite("Waking up for new work", .boundedParallelism, .timeLimit(.minutes(10)))
struct WakeUpTests {
    @Test("with notifications off, tasks are still picked up by polling", arguments: TestDriver.allCases)
    func pollingWithoutListen(driver: TestDriver) async throws {
        try await driver.withDatabase { client in
            let log = ExecutionLog()
            var configuration = WorkerConfiguration.fast(listen: false)
            configuration.pollInterval = .milliseconds(100)
            let worker = try Worker(
                client: client, registry: .scripted(log: log), configuration: configuration, logger: .test())
            try await withRunningWorker(worker) {
                // Enqueued after the worker went idle, so only a poll can find it.
                try await waitUntil("worker registered") { try await !client.workers().isEmpty }
                let job = try await client.enqueue(Scripted(action: .succeed))
                try await waitUntil("task completed by polling") {
                    try await client.task(job.taskIDs[0])?.state == .completed
                }
            }
        }
    }

    @Test("with a long poll interval, a notification wakes an idle worker", arguments: TestDriver.allCases)
    func notificationWakesWorker(driver: TestDriver) async throws {
        try await driver.withDatabase { client in
            let log = ExecutionLog()
            var configuration = WorkerConfiguration.fast()
            configuration.pollInterval = .seconds(3600)
            let worker = try Worker(
                client: client, registry: .scripted(log: log), configuration: configuration, logger: .test())
            try await withRunningWorker(worker) {
                try await waitUntil("worker registered") { try await !client.workers().isEmpty }
                // Several rounds: each must be woken by its own notification, since no poll fires.
                for round in 1...3 {
                    let job = try await client.enqueue(Scripted(action: .succeed))
                    try await waitUntil("task of round \(round) completed after a notification", timeout: .seconds(10))
                    {
                        try await client.task(job.taskIDs[0])?.state == .completed
                    }
                }
            }
        }
    }
}
