import Conveyor
import ConveyorTesting
import Foundation
import Synchronization
import Testing

@Suite("Leases", .boundedParallelism, .timeLimit(.minutes(10)))
struct LeaseTests {
    @Test(
        "a handler whose task was rescued elsewhere is cancelled, and its late outcome changes nothing",
        arguments: TestDriver.allCases)
    func lostLeaseCancelsHandler(driver: TestDriver) async throws {
        try await driver.withDatabase { client in
            let cancelled = Mutex(false)
            let started = Mutex(false)
            var registry = TaskRegistry()
            registry.register(Scripted.self) { _, _ in
                started.withLock { $0 = true }
                do {
                    try await Task.sleep(for: .seconds(600))
                } catch {
                    cancelled.withLock { $0 = true }
                    throw error
                }
            }
            let job = try await client.enqueue(Scripted(action: .sleep), options: .init(maxAttempts: 5))
            var configuration = WorkerConfiguration.fast(lease: .seconds(1.5))
            configuration.maintenance = nil
            let worker = try Worker(client: client, registry: registry, configuration: configuration, logger: .test())
            try await withRunningWorker(worker) {
                try await waitUntil("handler started") { started.withLock { $0 } }
                // Judge leases an hour from now: this worker's lease counts as expired and is rescued.
                let rescued = try await Rescuer(
                    driver: client.driver, retryPolicy: RetryPolicy(initial: .seconds(3600)), interval: .seconds(1)
                ).runOnce(now: Date().addingTimeInterval(3600))
                #expect(rescued.retried == 1)
                try await waitUntil("handler cancelled by the next heartbeat") { cancelled.withLock { $0 } }
                try await waitUntil("worker holds nothing") { worker.heldCount == 0 }
            }
            let task = try #require(try await client.task(job.taskIDs[0]))
            // The rescue's write stands: retryable, one error (the expired lease), not overwritten
            // by the cancelled handler's failure.
            #expect(task.state == .retryable)
            #expect(task.errors.count == 1)
            #expect(task.errors.first?.error.contains("lease expired") == true)
        }
    }

    @Test("a handler that outlives its timeout is cancelled and retried", arguments: TestDriver.allCases)
    func timeout(driver: TestDriver) async throws {
        try await driver.withDatabase { client in
            struct Slow: TaskDefinition {
                static let name = "slow"
                static let queue = Scripted.queue
                static let timeout: Duration? = .milliseconds(200)
                static let retryPolicy: RetryPolicy? = RetryPolicy(initial: .milliseconds(10), jitter: 0)
            }
            var registry = TaskRegistry()
            registry.register(Slow.self) { _, context in
                if context.attempt == 1 { try await Task.sleep(for: .seconds(600)) }
            }
            let job = try await client.enqueue(Slow())
            try await drain(client, registry: registry, configuration: .fast())
            let task = try #require(try await client.task(job.taskIDs[0]))
            #expect(task.state == .completed)
            #expect(task.attempt == 2)
            #expect(task.errors.first?.error.contains("timed out") == true)
        }
    }
}
