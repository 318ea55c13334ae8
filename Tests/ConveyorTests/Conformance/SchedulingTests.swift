import Conveyor
import ConveyorTesting
import Foundation
import Testing

@Suite("Delayed and retryable tasks", .boundedParallelism, .timeLimit(.minutes(10)))
struct SchedulingTests {
    @Test(
        "promotion makes due scheduled and retryable tasks available, and nothing else", arguments: TestDriver.allCases)
    func promotion(driver: TestDriver) async throws {
        try await driver.withDatabase { client in
            let d = client.driver
            let queue = "promote"
            let t0 = Date()
            let soon = try await client.enqueue(NewTask(kind: "k", queue: queue, runAt: t0.addingTimeInterval(10)))
            let later = try await client.enqueue(NewTask(kind: "k", queue: queue, runAt: t0.addingTimeInterval(30)))
            let past = try await client.enqueue(NewTask(kind: "k", queue: queue, runAt: t0.addingTimeInterval(-30)))
            #expect(try await client.task(soon.taskIDs[0])?.state == .scheduled)
            #expect(try await client.task(past.taskIDs[0])?.state == .available)
            let failed = try #require(
                try await d.taskClaim(.init(queue: queue, limit: 1, workerID: "w", leaseDuration: .seconds(30))).first)
            #expect(failed.id == past.taskIDs[0])
            let error = AttemptError(attempt: 1, at: t0, error: "later", worker: "w")
            _ = try await d.taskCompleteMany(
                .init(completions: [
                    .init(id: failed.id, attempt: 1, outcome: .retry(at: t0.addingTimeInterval(20), error: error))
                ]))
            #expect(try await client.task(failed.id)?.state == .retryable)

            #expect(try await d.taskPromoteDue(.init(now: t0.addingTimeInterval(5), limit: 10)) == 0)
            #expect(try await d.taskPromoteDue(.init(now: t0.addingTimeInterval(15), limit: 10)) == 1)
            #expect(try await client.task(soon.taskIDs[0])?.state == .available)
            #expect(try await d.taskPromoteDue(.init(now: t0.addingTimeInterval(40), limit: 1)) == 1)
            #expect(try await d.taskPromoteDue(.init(now: t0.addingTimeInterval(40), limit: 10)) == 1)
            #expect(try await client.task(failed.id)?.state == .available)
            #expect(try await client.task(later.taskIDs[0])?.state == .available)
            // A retry whose time has already come is available at once.
            let again = try #require(
                try await d.taskClaim(.init(queue: queue, limit: 1, workerID: "w", leaseDuration: .seconds(30))).first)
            _ = try await d.taskCompleteMany(
                .init(completions: [.init(id: again.id, attempt: again.attempt, outcome: .retry(at: t0, error: error))])
            )
            #expect(try await client.task(again.id)?.state == .available)
        }
    }
}
