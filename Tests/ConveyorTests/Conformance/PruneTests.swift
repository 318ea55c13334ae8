import Conveyor
import ConveyorTesting
import Foundation
import Testing

@Suite("Pruning", .boundedParallelism, .timeLimit(.minutes(10)))
struct PruneTests {
    @Test(
        "prune deletes only finished tasks past their retention, and jobs left without tasks",
        arguments: TestDriver.allCases)
    func prune(driver: TestDriver) async throws {
        try await driver.withDatabase { client in
            let d = client.driver
            let failure = AttemptError(attempt: 1, at: Date(), error: "no", worker: "w")
            /// Claims the one task of `queue` and writes `outcome` for it.
            func finish(_ queue: String, _ outcome: TaskCompletion.Outcome) async throws {
                let claimed = try await d.taskClaim(
                    .init(queue: queue, limit: 1, workerID: "w", leaseDuration: .seconds(30)))
                let task = try #require(claimed.first)
                #expect(
                    try await d.taskCompleteMany(.init(completions: [.init(id: task.id, attempt: 1, outcome: outcome)]))
                        .count == 1)
            }
            let completed = try await client.enqueue(NewTask(kind: "k", queue: "p-completed"))
            try await finish("p-completed", .completed(result: nil))
            let cancelled = try await client.enqueue(NewTask(kind: "k", queue: "p-cancelled"))
            try await finish("p-cancelled", .cancelled(error: failure))
            let discarded = try await client.enqueue(NewTask(kind: "k", queue: "p-discarded"))
            try await finish("p-discarded", .discarded(error: failure))
            let waiting = try await client.enqueue(NewTask(kind: "k", queue: "p-waiting"))
            let running = try await client.enqueue(NewTask(kind: "k", queue: "p-running"))
            _ = try await d.taskClaim(.init(queue: "p-running", limit: 1, workerID: "w", leaseDuration: .seconds(30)))
            let halfDone = try await client.enqueueJob(
                kind: "half",
                tasks: [NewTask(kind: "k", queue: "p-half-done"), NewTask(kind: "k", queue: "p-half-open")])
            try await finish("p-half-done", .completed(result: nil))
            let allDone = try await client.enqueueJob(
                kind: "all", tasks: [NewTask(kind: "k", queue: "p-all"), NewTask(kind: "k", queue: "p-all")])
            try await finish("p-all", .completed(result: nil))
            try await finish("p-all", .completed(result: nil))

            let now = Date()
            let hour: TimeInterval = 3600
            // Nothing finished an hour ago.
            #expect(
                try await d.taskPrune(
                    .init(completedBefore: now - hour, failedBefore: now - hour, limit: 100)) == 0)
            // Completed and cancelled tasks past retention go; the dead letter is kept longer.
            #expect(
                try await d.taskPrune(
                    .init(completedBefore: now + hour, failedBefore: now - hour, limit: 100)) == 5)
            #expect(try await client.task(completed.taskIDs[0]) == nil)
            #expect(try await client.job(completed.jobID) == nil)
            #expect(try await client.task(cancelled.taskIDs[0]) == nil)
            #expect(try await client.task(discarded.taskIDs[0])?.state == .discarded)
            #expect(try await client.task(waiting.taskIDs[0])?.state == .available)
            #expect(try await client.task(running.taskIDs[0])?.state == .running)
            let half = try #require(try await client.job(halfDone.jobID))
            #expect(half.tasks.map(\.id) == [halfDone.taskIDs[1]])
            #expect(try await client.job(allDone.jobID) == nil)

            #expect(
                try await d.taskPrune(
                    .init(completedBefore: now + hour, failedBefore: now + hour, limit: 100)) == 1)
            #expect(try await client.task(discarded.taskIDs[0]) == nil)
        }
    }

    @Test("prune deletes at most its limit per call", arguments: TestDriver.allCases)
    func pruneLimit(driver: TestDriver) async throws {
        try await driver.withDatabase { client in
            let d = client.driver
            let queue = "p-limit"
            let ids = try await client.enqueueMany((0..<5).map { _ in NewTask(kind: "k", queue: queue) })
            let claimed = try await d.taskClaim(
                .init(queue: queue, limit: 5, workerID: "w", leaseDuration: .seconds(30)))
            #expect(claimed.count == ids.count)
            _ = try await d.taskCompleteMany(
                .init(completions: claimed.map { .init(id: $0.id, attempt: 1, outcome: .completed(result: nil)) }))
            let later = Date().addingTimeInterval(3600)
            let params = TaskPruneParams(completedBefore: later, failedBefore: later, limit: 2)
            #expect(try await d.taskPrune(params) == 2)
            #expect(try await d.taskPrune(params) == 2)
            #expect(try await d.taskPrune(params) == 1)
            #expect(try await d.taskPrune(params) == 0)
        }
    }
}
