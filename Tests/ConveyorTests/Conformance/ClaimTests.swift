import Conveyor
import ConveyorTesting
import Foundation
import Testing

@Suite("Claim and fencing", .boundedParallelism, .timeLimit(.minutes(10)))
struct ClaimTests {
    @Test("claims in priority, then run_at, then id order, only from its queue", arguments: TestDriver.allCases)
    func claimOrder(driver: TestDriver) async throws {
        try await driver.withDatabase { client in
            let queue = "claim-order"
            let base = Date()
            func task(_ priority: Priority = .normal, runAt seconds: Double) -> NewTask {
                NewTask(kind: "k", queue: queue, priority: priority, runAt: base.addingTimeInterval(seconds))
            }
            // Scheduled tasks keep their run_at; promoting them all at a later `now` makes them available.
            let late = try await client.enqueue(task(runAt: 20)).taskIDs[0]
            let early = try await client.enqueue(task(runAt: 10)).taskIDs[0]
            let lowEarliest = try await client.enqueue(task(.low, runAt: 5)).taskIDs[0]
            let highLatest = try await client.enqueue(task(.high, runAt: 30)).taskIDs[0]
            let sameTime = try await client.enqueueMany([task(runAt: 10), task(runAt: 10)]).map { $0.taskIDs[0] }
            let elsewhere = try await client.enqueue(NewTask(kind: "k", queue: "other-queue"))
            #expect(try await client.driver.taskPromoteDue(.init(now: base.addingTimeInterval(60), limit: 100)) == 6)

            var order: [TaskID] = []
            while let claimed = try await client.driver.taskClaim(
                .init(queue: queue, limit: 1, workerID: "w1", leaseDuration: .seconds(30))
            ).first {
                #expect(claimed.attempt == 1)
                #expect(claimed.queue == queue)
                order.append(claimed.id)
            }
            #expect(order == [highLatest, early, sameTime[0], sameTime[1], late, lowEarliest])
            #expect(try await client.task(elsewhere.taskIDs[0])?.state == .available)
        }
    }

    @Test(
        "a batch claim takes the first tasks in claim order, and never the same task twice",
        arguments: TestDriver.allCases)
    func batchClaim(driver: TestDriver) async throws {
        try await driver.withDatabase { client in
            let queue = "claim-batch"
            let low = try await client.enqueueMany(
                (0..<5).map { _ in NewTask(kind: "k", queue: queue, priority: .low) }
            ).map { $0.taskIDs[0] }
            let high = try await client.enqueueMany(
                (0..<3).map { _ in NewTask(kind: "k", queue: queue, priority: .high) }
            ).map { $0.taskIDs[0] }
            let params = TaskClaimParams(queue: queue, limit: 4, workerID: "w1", leaseDuration: .seconds(30))
            let first = try await client.driver.taskClaim(params)
            #expect(Set(first.map(\.id)) == Set(high + [low[0]]))
            let second = try await client.driver.taskClaim(params)
            #expect(Set(second.map(\.id)) == Set(low[1...]))
            #expect(try await client.driver.taskClaim(params).isEmpty)
            let task = try #require(try await client.task(low[0]))
            #expect(task.state == .running)
            #expect(task.workerID == "w1")
            #expect(task.attempt == 1)
            #expect(try #require(task.leaseExpiresAt) > Date().addingTimeInterval(20))
        }
    }

    @Test("concurrent claims never hand out a task twice", arguments: TestDriver.allCases)
    func concurrentClaims(driver: TestDriver) async throws {
        try await driver.withDatabase { client in
            let queue = "claim-race"
            let ids = try await client.enqueueMany((0..<300).map { _ in NewTask(kind: "k", queue: queue) })
            let claimed = try await withThrowingTaskGroup(of: [TaskID].self) { group in
                for worker in 0..<6 {
                    group.addTask {
                        var mine: [TaskID] = []
                        while true {
                            let batch = try await client.driver.taskClaim(
                                .init(queue: queue, limit: 7, workerID: "w\(worker)", leaseDuration: .seconds(30)))
                            if batch.isEmpty { return mine }
                            mine += batch.map(\.id)
                        }
                    }
                }
                return try await group.reduce(into: [TaskID]()) { $0 += $1 }
            }
            #expect(claimed.count == ids.count)
            #expect(Set(claimed) == Set(ids.map { $0.taskIDs[0] }))
        }
    }

    @Test("an outcome from an attempt whose lease was rescued changes nothing", arguments: TestDriver.allCases)
    func fencing(driver: TestDriver) async throws {
        try await driver.withDatabase { client in
            let queue = "fencing"
            let id = try await client.enqueue(NewTask(kind: "k", queue: queue)).taskIDs[0]
            let d = client.driver
            let first = try #require(
                try await d.taskClaim(.init(queue: queue, limit: 1, workerID: "w1", leaseDuration: .seconds(30))).first
            )
            #expect(first.attempt == 1)

            // w1 stops heartbeating: its lease expires, the task is rescued and claimed again by w2.
            let later = Date().addingTimeInterval(60)
            let policy = RetryPolicy(initial: .seconds(1), jitter: 0)
            #expect(try await d.taskRescueExpired(.init(now: later, limit: 10, retryPolicy: policy)).retried == 1)
            #expect(try await d.taskPromoteDue(.init(now: later.addingTimeInterval(60), limit: 10)) == 1)
            let second = try #require(
                try await d.taskClaim(.init(queue: queue, limit: 1, workerID: "w2", leaseDuration: .seconds(30))).first
            )
            #expect(second.attempt == 2)

            // w1 finishes late: nothing it writes applies.
            for outcome: TaskCompletion.Outcome in [
                .completed(result: #"{"from":"w1"}"#),
                .retry(at: Date(), error: AttemptError(attempt: 1, at: Date(), error: "late", worker: "w1")),
                .discarded(error: AttemptError(attempt: 1, at: Date(), error: "late", worker: "w1")),
                .snoozed(until: Date()), .released,
            ] {
                let written = try await d.taskCompleteMany(
                    .init(completions: [.init(id: id, attempt: 1, outcome: outcome)]))
                #expect(written.isEmpty)
            }
            var task = try #require(try await client.task(id))
            #expect(task.state == .running)
            #expect(task.attempt == 2)
            #expect(task.workerID == "w2")
            #expect(task.result == nil)
            #expect(task.errors.count == 1)
            #expect(task.maxAttempts == TaskDefaults.maxAttempts)

            // w2's outcome applies once; a repeat of it (a retried write) changes nothing.
            let done = TaskCompletion(id: id, attempt: 2, outcome: .completed(result: #"{"from":"w2"}"#))
            #expect(try await d.taskCompleteMany(.init(completions: [done])) == [id])
            #expect(try await d.taskCompleteMany(.init(completions: [done])).isEmpty)
            task = try #require(try await client.task(id))
            #expect(task.state == .completed)
            #expect(task.workerID == nil)
            #expect(task.leaseExpiresAt == nil)
            #expect(task.finishedAt != nil)
            let result = try JSONDecoder().decode([String: String].self, from: Data(try #require(task.result).utf8))
            #expect(result == ["from": "w2"])
        }
    }

    @Test("a batch of outcomes writes each where its attempt still holds the task", arguments: TestDriver.allCases)
    func batchCompletion(driver: TestDriver) async throws {
        try await driver.withDatabase { client in
            let queue = "complete-batch"
            let d = client.driver
            let ids = try await client.enqueueMany((0..<6).map { _ in NewTask(kind: "k", queue: queue) })
                .map { $0.taskIDs[0] }
            let claimed = try await d.taskClaim(
                .init(queue: queue, limit: 6, workerID: "w", leaseDuration: .seconds(30)))
            #expect(claimed.count == 6)
            let failure = AttemptError(attempt: 1, at: Date(), error: "boom", worker: "w")
            let soon = Date().addingTimeInterval(3600)
            let written = try await d.taskCompleteMany(
                .init(completions: [
                    .init(id: ids[0], attempt: 1, outcome: .completed(result: "42")),
                    .init(id: ids[1], attempt: 1, outcome: .retry(at: soon, error: failure)),
                    .init(id: ids[2], attempt: 1, outcome: .discarded(error: failure)),
                    .init(id: ids[3], attempt: 1, outcome: .snoozed(until: soon)),
                    .init(id: ids[4], attempt: 1, outcome: .released),
                    .init(id: ids[5], attempt: 2, outcome: .completed(result: nil)),
                ])
            )
            #expect(Set(written) == Set(ids[0...4]))
            let states = try await ids.asyncMap { try #require(try await client.task($0)) }
            #expect(states.map(\.state) == [.completed, .retryable, .discarded, .scheduled, .available, .running])
            #expect(states[0].result == "42")
            #expect(states[1].errors.map(\.error) == ["boom"])
            #expect(states[1].errors.map(\.worker) == ["w"])
            #expect(abs(try #require(states[1].errors.first).at.timeIntervalSince(failure.at)) < 0.001)
            #expect(abs(states[1].runAt.timeIntervalSince(soon)) < 0.001)
            #expect(states[2].errors.map(\.error) == ["boom"])
            #expect(states[2].finishedAt != nil)
            #expect(states[3].maxAttempts == TaskDefaults.maxAttempts + 1)
            #expect(states[3].errors.isEmpty)
            #expect(states[4].maxAttempts == TaskDefaults.maxAttempts + 1)
            #expect(states[4].workerID == nil)
        }
    }
}

extension Sequence {
    /// Maps with an async transform, in order.
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var results: [T] = []
        for element in self { results.append(try await transform(element)) }
        return results
    }
}
