import Conveyor
import ConveyorTesting
import Foundation
import Testing

@Suite("Rescue of expired leases", .boundedParallelism, .timeLimit(.minutes(10)))
struct RescueTests {
    @Test(
        "an expired lease is retried after its backoff with the reason, then dead-lettered when no attempt is left",
        arguments: TestDriver.allCases)
    func rescue(driver: TestDriver) async throws {
        try await driver.withDatabase { client in
            let queue = "rescue"
            let d = client.driver
            let job = try await client.enqueue(NewTask(kind: "k", queue: queue, maxAttempts: 2))
            let id = job.taskIDs[0]
            let policy = RetryPolicy(initial: .seconds(10), multiplier: 3, maximum: .seconds(1000), jitter: 0)
            _ = try await d.taskClaim(.init(queue: queue, limit: 1, workerID: "w1", leaseDuration: .seconds(30)))

            // The lease still holds: nothing to rescue.
            let none = try await d.taskRescueExpired(.init(now: Date(), limit: 10, retryPolicy: policy))
            #expect(none == TaskRescueResult(retried: 0, discarded: 0))
            #expect(try await client.task(id)?.state == .running)

            let now = Date().addingTimeInterval(60)
            let first = try await d.taskRescueExpired(.init(now: now, limit: 10, retryPolicy: policy))
            #expect(first == TaskRescueResult(retried: 1, discarded: 0))
            var task = try #require(try await client.task(id))
            #expect(task.state == .retryable)
            #expect(task.workerID == nil)
            #expect(task.leaseExpiresAt == nil)
            #expect(task.finishedAt == nil)
            #expect(abs(task.runAt.timeIntervalSince(now) - 10) < 0.001)
            let error = try #require(task.errors.first)
            #expect(task.errors.count == 1)
            #expect(error.attempt == 1)
            #expect(error.error == "lease expired: worker w1 stopped heartbeating")
            #expect(error.worker == "w1")
            #expect(abs(error.at.timeIntervalSince(now)) < 0.001)

            // Not due before its backoff; due after.
            #expect(try await d.taskPromoteDue(.init(now: now.addingTimeInterval(9), limit: 10)) == 0)
            #expect(try await d.taskPromoteDue(.init(now: now.addingTimeInterval(11), limit: 10)) == 1)
            let second = try await d.taskClaim(
                .init(queue: queue, limit: 1, workerID: "w2", leaseDuration: .seconds(30)))
            #expect(second.map(\.attempt) == [2])

            let later = now.addingTimeInterval(3600)
            let last = try await d.taskRescueExpired(.init(now: later, limit: 10, retryPolicy: policy))
            #expect(last == TaskRescueResult(retried: 0, discarded: 1))
            task = try #require(try await client.task(id))
            #expect(task.state == .discarded)
            #expect(abs(try #require(task.finishedAt).timeIntervalSince(later)) < 0.001)
            #expect(task.errors.map(\.attempt) == [1, 2])
            #expect(task.errors.map(\.worker) == ["w1", "w2"])
            #expect(task.errors.last?.error == "lease expired: worker w2 stopped heartbeating")
            #expect(try await client.job(job.jobID)?.state == .failed)
        }
    }

    @Test("the backoff grows with the attempt and is capped", arguments: TestDriver.allCases)
    func backoffGrows(driver: TestDriver) async throws {
        try await driver.withDatabase { client in
            let queue = "rescue-backoff"
            let d = client.driver
            let id = try await client.enqueue(NewTask(kind: "k", queue: queue, maxAttempts: 10)).taskIDs[0]
            let policy = RetryPolicy(initial: .seconds(2), multiplier: 2, maximum: .seconds(5), jitter: 0)
            var now = Date()
            var delays: [Double] = []
            for _ in 0..<3 {
                _ = try await d.taskClaim(.init(queue: queue, limit: 1, workerID: "w", leaseDuration: .seconds(1)))
                now = now.addingTimeInterval(100)
                #expect(try await d.taskRescueExpired(.init(now: now, limit: 10, retryPolicy: policy)).retried == 1)
                let task = try #require(try await client.task(id))
                delays.append((task.runAt.timeIntervalSince(now) * 1000).rounded() / 1000)
                #expect(try await d.taskPromoteDue(.init(now: now.addingTimeInterval(10), limit: 10)) == 1)
            }
            #expect(delays == [2, 4, 5])
        }
    }

    @Test("rescue respects its limit and takes the oldest expiries first", arguments: TestDriver.allCases)
    func rescueLimit(driver: TestDriver) async throws {
        try await driver.withDatabase { client in
            let queue = "rescue-limit"
            let d = client.driver
            let ids = try await client.enqueueMany((0..<3).map { _ in NewTask(kind: "k", queue: queue) })
                .map { $0.taskIDs[0] }
            // Longer leases for later claims: ids[2] expires first.
            for (index, seconds) in [30, 20, 10].enumerated() {
                let claimed = try await d.taskClaim(
                    .init(queue: queue, limit: 1, workerID: "w", leaseDuration: .seconds(seconds)))
                #expect(claimed.map(\.id) == [ids[index]])
            }
            let policy = RetryPolicy(jitter: 0)
            let later = Date().addingTimeInterval(3600)
            #expect(try await d.taskRescueExpired(.init(now: later, limit: 1, retryPolicy: policy)).retried == 1)
            #expect(try await client.task(ids[2])?.state == .retryable)
            #expect(try await client.task(ids[0])?.state == .running)
            #expect(try await d.taskRescueExpired(.init(now: later, limit: 10, retryPolicy: policy)).retried == 2)
        }
    }
}
