import Conveyor
import ConveyorTesting
import Foundation
import Testing

@Suite("Queue stats", .boundedParallelism, .timeLimit(.minutes(10)))
struct StatsTests {
    @Test("stats count each state per queue, finished ones since the given time", arguments: TestDriver.allCases)
    func counts(driver: TestDriver) async throws {
        try await driver.withDatabase { client in
            let d = client.driver
            let queue = "stats"
            let start = Date().addingTimeInterval(-60)
            let failure = AttemptError(attempt: 1, at: Date(), error: "no", worker: "w")
            // Claimed in this order (priority), then given these outcomes.
            let outcomes: [TaskCompletion.Outcome?] = [
                .completed(result: nil), .discarded(error: failure), .cancelled(error: failure),
                .retry(at: Date().addingTimeInterval(3600), error: failure), nil,
            ]
            for index in outcomes.indices {
                try await client.enqueue(
                    NewTask(kind: "k", queue: queue, priority: Priority(rawValue: Int16(index - 10))))
            }
            for outcome in outcomes {
                let task = try #require(
                    try await d.taskClaim(.init(queue: queue, limit: 1, workerID: "w", leaseDuration: .seconds(60)))
                        .first)
                if let outcome {
                    _ = try await d.taskCompleteMany(
                        .init(completions: [.init(id: task.id, attempt: 1, outcome: outcome)]))
                }
            }
            // A running task whose worker is gone: its lease expires at once.
            try await client.enqueue(NewTask(kind: "k", queue: queue, priority: -1))
            _ = try await d.taskClaim(.init(queue: queue, limit: 1, workerID: "gone", leaseDuration: .milliseconds(1)))
            try await client.enqueueMany([NewTask(kind: "k", queue: queue), NewTask(kind: "k", queue: queue)])
            try await client.enqueue(NewTask(kind: "k", queue: queue, runAt: Date().addingTimeInterval(3600)))
            try await client.enqueue(NewTask(kind: "k", queue: "stats-other"))

            try await waitUntil("the short lease expired") {
                try await client.queueStats(since: start).first { $0.queue == queue }?.expiredLeases == 1
            }
            let stats = try await client.queueStats(since: start)
            var expected = QueueStats(
                queue: queue, available: 2, scheduled: 1, running: 2, retryable: 1, completedToday: 1,
                failedToday: 2, expiredLeases: 1)
            // Dead letters are the discarded tasks, whenever they failed; a cancelled task is none.
            expected.deadLetters = 1
            #expect(stats == [expected, QueueStats(queue: "stats-other", available: 1)])
            // Finished tasks count only from `since`.
            let tomorrow = try #require(try await client.queueStats(since: Date().addingTimeInterval(86_400)).first)
            #expect(tomorrow.completedToday == 0)
            #expect(tomorrow.failedToday == 0)
            #expect(tomorrow.available == 2)
            #expect(tomorrow.deadLetters == 1)
        }
    }
}
