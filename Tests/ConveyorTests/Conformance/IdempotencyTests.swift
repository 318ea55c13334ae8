import Conveyor
import ConveyorTesting
import Foundation
import Testing

@Suite("Idempotency keys", .boundedParallelism, .timeLimit(.minutes(10)))
struct IdempotencyTests {
    @Test("concurrent enqueues with one key create one job and all return it", arguments: TestDriver.allCases)
    func concurrentEnqueues(driver: TestDriver) async throws {
        try await driver.withDatabase { client in
            let queue = "idempotent"
            let results = try await withThrowingTaskGroup(of: EnqueuedJob.self) { group in
                for _ in 0..<16 {
                    group.addTask {
                        try await client.enqueueJob(
                            kind: "order", tasks: [NewTask(kind: "a", queue: queue), NewTask(kind: "b", queue: queue)],
                            owner: "alice", idempotencyKey: "order-1"
                        )
                    }
                }
                return try await group.reduce(into: [EnqueuedJob]()) { $0.append($1) }
            }
            #expect(Set(results.map(\.jobID)).count == 1)
            #expect(Set(results.map(\.taskIDs)).count == 1)
            #expect(results.count(where: { !$0.existing }) == 1)
            let first = try #require(results.first)
            #expect(first.taskIDs.count == 2)
            #expect(!first.taskIDs.map(\.rawValue).contains(first.jobID.rawValue))

            let stats = try await client.queueStats().first { $0.queue == queue }
            #expect(stats?.available == 2)
            let job = try #require(try await client.job(first.jobID))
            #expect(job.owner == "alice")
            #expect(job.kind == "order")
            #expect(job.idempotencyKey == "order-1")
            #expect(job.tasks.map(\.id) == first.taskIDs)
            #expect(job.tasks.allSatisfy { $0.jobID == first.jobID })
        }
    }

    @Test(
        "a key is unique per owner, and a single-task enqueue with a key returns the first job",
        arguments: TestDriver.allCases)
    func perOwner(driver: TestDriver) async throws {
        try await driver.withDatabase { client in
            let task = Scripted(action: .succeed)
            let alice = try await client.enqueue(task, options: .init(owner: "alice", idempotencyKey: "k"))
            let again = try await client.enqueue(task, options: .init(owner: "alice", idempotencyKey: "k"))
            let bob = try await client.enqueue(task, options: .init(owner: "bob", idempotencyKey: "k"))
            #expect(!alice.existing)
            #expect(again.existing)
            #expect(again.jobID == alice.jobID)
            #expect(again.taskIDs == alice.taskIDs)
            #expect(!bob.existing)
            #expect(bob.jobID != alice.jobID)
            #expect(try await client.job(alice.jobID)?.tasks.count == 1)
            // Without a key, every enqueue is a new job.
            let plain1 = try await client.enqueue(task)
            let plain2 = try await client.enqueue(task)
            #expect(plain1.jobID != plain2.jobID)
        }
    }
}
