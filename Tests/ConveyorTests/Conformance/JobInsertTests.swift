import Conveyor
import ConveyorTesting
import Foundation
import Testing

@Suite("Multi-task jobs", .boundedParallelism, .timeLimit(.minutes(10)))
struct JobInsertTests {
    @Test("a job's tasks are inserted together with it or not at all", arguments: TestDriver.allCases)
    func failedInsertLeavesNothing(driver: TestDriver) async throws {
        try await driver.withDatabase { client in
            let queue = "atomic-job"
            let good = TaskInsert(kind: "k", queue: queue, input: "{}", priority: .normal, runAt: nil, maxAttempts: 3)
            let bad = TaskInsert(
                kind: "k", queue: queue, input: "{not json", priority: .normal, runAt: nil, maxAttempts: 3)
            // More tasks than one statement holds on SQLite, with the bad one last.
            let tasks = Array(repeating: good, count: 1200) + [bad]
            await #expect(throws: (any Error).self) {
                try await client.driver.jobInsert(
                    .init(owner: "", kind: "broken", idempotencyKey: "once", tasks: tasks))
            }
            await #expect(throws: (any Error).self) {
                try await client.driver.taskInsertMany(.init(owner: "", tasks: tasks))
            }
            #expect(try await client.queueStats().first { $0.queue == queue } == nil)
            // The key was not taken by the failed insert.
            let job = try await client.enqueueJob(
                kind: "fixed", tasks: [NewTask(kind: "k", queue: queue)], idempotencyKey: "once")
            #expect(!job.existing)
        }
    }

    @Test("readers never see part of a job", arguments: TestDriver.allCases)
    func readersSeeAllOrNothing(driver: TestDriver) async throws {
        try await driver.withDatabase { client in
            let queue = "big-job"
            let count = 1500
            let tasks = (0..<count).map { NewTask(kind: "k", input: #"{"n":\#($0)}"#, queue: queue) }
            let (job, seen) = try await withThrowingTaskGroup(of: [Int].self) { group in
                group.addTask {
                    var seen: [Int] = []
                    let deadline = ContinuousClock.now.advanced(by: .seconds(60))
                    while seen.last != count {
                        guard ContinuousClock.now < deadline else {
                            throw ConveyorError(.databaseFailure, "the job did not appear within 60 s")
                        }
                        seen.append(try await client.queueStats().first { $0.queue == queue }?.available ?? 0)
                    }
                    return seen
                }
                let job = try await client.enqueueJob(kind: "big", tasks: tasks)
                return (job, try await group.next() ?? [])
            }
            #expect(seen.allSatisfy { $0 == 0 || $0 == count })
            #expect(job.taskIDs.count == count)
            #expect(job.taskIDs == job.taskIDs.sorted())
            #expect(!job.taskIDs.map(\.rawValue).contains(job.jobID.rawValue))
            let snapshot = try #require(try await client.job(job.jobID))
            #expect(snapshot.tasks.count == count)
            #expect(snapshot.kind == "big")
            #expect(snapshot.state == .queued)
            // Tasks keep the order they were given in.
            let first = try JSONDecoder().decode([String: Int].self, from: Data(snapshot.tasks[0].input.utf8))
            let last = try JSONDecoder().decode(
                [String: Int].self, from: Data(try #require(snapshot.tasks.last).input.utf8))
            #expect(first == ["n": 0])
            #expect(last == ["n": count - 1])
        }
    }

    @Test(
        "a single-task job is its task: same id, no job row, and job ids never name a task",
        arguments: TestDriver.allCases)
    func singleAndMultiIDs(driver: TestDriver) async throws {
        try await driver.withDatabase { client in
            let single = try await client.enqueue(NewTask(kind: "solo", queue: "ids"), owner: "carol")
            let multi = try await client.enqueueJob(
                kind: "pair", tasks: [NewTask(kind: "x", queue: "ids"), NewTask(kind: "y", queue: "ids")])
            let after = try await client.enqueue(NewTask(kind: "solo", queue: "ids"))
            #expect(single.jobID.rawValue == single.taskIDs[0].rawValue)
            let ids =
                [single.taskIDs[0].rawValue, multi.jobID.rawValue] + multi.taskIDs.map(\.rawValue)
                + [after.taskIDs[0].rawValue]
            #expect(Set(ids).count == ids.count)
            #expect(try await client.task(TaskID(multi.jobID.rawValue)) == nil)

            let job = try #require(try await client.job(single.jobID))
            #expect(job.kind == "solo")
            #expect(job.owner == "carol")
            #expect(job.idempotencyKey == nil)
            #expect(job.tasks.map(\.id) == single.taskIDs)
            // A task of a multi-task job is not a job of its own.
            #expect(try await client.job(JobID(multi.taskIDs[0].rawValue)) == nil)
            #expect(try await client.job(JobID(999_999_999)) == nil)
        }
    }
}
