import Conveyor
import ConveyorTesting
import Foundation
import Synchronization
import Testing

@Suite("Cancelled callers", .boundedParallelism, .timeLimit(.minutes(10)))
struct CancellationTests {
    @Test(
        "a caller cancelled in the middle of driver operations leaves no transaction open and the driver usable",
        arguments: TestDriver.allCases)
    func cancelledMidway(driver: TestDriver) async throws {
        try await driver.withDatabase { client in
            let d = client.driver
            let queue = "cancelled"
            try await client.enqueueMany((0..<20).map { _ in NewTask(kind: "k", queue: queue) })
            let worker = WorkerInfo(
                id: "w", host: "h", pid: 1, queues: [queue], capacity: 1, startedAt: Date(), lastHeartbeatAt: Date())
            for _ in 0..<20 {
                // Readers keep the database threads busy, so statements queue and a cancellation
                // can land between the statements of a transaction.
                let iterations = Counter()
                await withTaskGroup(of: Void.self) { group in
                    for _ in 0..<4 {
                        group.addTask {
                            while !Task.isCancelled { _ = try? await client.queueStats() }
                        }
                    }
                    group.addTask {
                        while !Task.isCancelled {
                            do {
                                let claimed = try await d.taskClaim(
                                    .init(queue: queue, limit: 1, workerID: "w", leaseDuration: .seconds(60)))
                                _ = try await d.workerHeartbeat(
                                    .init(worker: worker, taskIDs: claimed.map(\.id), leaseDuration: .seconds(60)))
                                _ = try await d.taskCompleteMany(
                                    .init(
                                        completions: claimed.map {
                                            .init(id: $0.id, attempt: $0.attempt, outcome: .released)
                                        }))
                                _ = try await d.taskRescueExpired(
                                    .init(now: Date().addingTimeInterval(3600), limit: 10, retryPolicy: .default))
                                iterations.increment()
                            } catch {
                                return
                            }
                        }
                    }
                    try? await waitUntil("a few iterations", every: .milliseconds(1)) { iterations.value >= 3 }
                    group.cancelAll()
                }
            }
            // Transactions, claims and reads all still work.
            let job = try await client.enqueueJob(kind: "after", tasks: [NewTask(kind: "k", queue: "after")])
            let claimed = try await d.taskClaim(
                .init(queue: "after", limit: 5, workerID: "w", leaseDuration: .seconds(60)))
            #expect(claimed.map(\.id) == job.taskIDs)
            #expect(try await client.job(job.jobID)?.tasks.first?.state == .running)
        }
    }
}

/// Counts from many tasks.
private final class Counter: Sendable {
    private let count = Mutex(0)
    func increment() { count.withLock { $0 += 1 } }
    var value: Int { count.withLock { $0 } }
}
