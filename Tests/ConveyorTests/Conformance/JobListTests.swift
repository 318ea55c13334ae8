import Conveyor
import ConveyorTesting
import Foundation
import Testing

@Suite("Job lists", .boundedParallelism, .timeLimit(.minutes(10)))
struct JobListTests {
    @Test(
        "jobs list newest first, single-task and multi-task alike, filtered by owner and kind, paged by id",
        arguments: TestDriver.allCases)
    func listsNewestFirst(driver: TestDriver) async throws {
        try await driver.withDatabase { client in
            let d = client.driver
            let single = try await client.enqueue(NewTask(kind: "mail", queue: "lists"), owner: "alice")
            let multi = try await client.enqueueJob(
                kind: "book",
                tasks: [NewTask(kind: "a", queue: "lists", name: "a"), NewTask(kind: "b", queue: "lists")],
                owner: "alice")
            let other = try await client.enqueue(NewTask(kind: "mail", queue: "lists"), owner: "bob")

            let all = try await d.jobList(.init(owner: nil, kind: nil, before: nil, limit: 10))
            #expect(all.map(\.id) == [other.jobID, multi.jobID, single.jobID])
            let alice = try await d.jobList(.init(owner: "alice", kind: nil, before: nil, limit: 10))
            #expect(alice.map(\.id) == [multi.jobID, single.jobID])
            #expect(alice.allSatisfy { $0.owner == "alice" })
            #expect(alice[0].kind == "book")
            #expect(alice[0].taskStates.count == 2)
            #expect(alice[0].state == .queued)
            #expect(alice[1].taskStates == [.available])

            let mail = try await d.jobList(.init(owner: nil, kind: "mail", before: nil, limit: 10))
            #expect(mail.map(\.id) == [other.jobID, single.jobID])

            let first = try await d.jobList(.init(owner: nil, kind: nil, before: nil, limit: 2))
            #expect(first.map(\.id) == [other.jobID, multi.jobID])
            let second = try await d.jobList(.init(owner: nil, kind: nil, before: first.last?.id, limit: 2))
            #expect(second.map(\.id) == [single.jobID])
        }
    }

    @Test("a listed job's state and progress follow its tasks", arguments: TestDriver.allCases)
    func stateAndProgress(driver: TestDriver) async throws {
        try await driver.withDatabase { client in
            let d = client.driver
            let job = try await client.enqueueJob(
                kind: "pair", tasks: [NewTask(kind: "a", queue: "progress"), NewTask(kind: "b", queue: "progress")])
            let claimed = try await d.taskClaim(
                .init(queue: "progress", limit: 2, workerID: "w", leaseDuration: .seconds(60)))
            #expect(claimed.count == 2)
            _ = try await d.taskCompleteMany(
                .init(completions: [.init(id: claimed[0].id, attempt: 1, outcome: .completed(result: nil))]))
            _ = try await d.taskReportProgress(.init(id: claimed[1].id, attempt: 1, percent: 50, message: nil))

            let listed = try #require(try await d.jobList(.init(owner: nil, kind: nil, before: nil, limit: 5)).first)
            #expect(listed.id == job.jobID)
            #expect(listed.state == .running)
            #expect(abs(listed.progress - 0.75) < 0.0001)
            #expect(listed.finishedAt == nil)
            let snapshot = try #require(try await client.job(job.jobID))
            #expect(listed.state == snapshot.state)
            #expect(abs(listed.progress - snapshot.progress) < 0.0001)
        }
    }

    @Test(
        "a job keeps its metadata and request fingerprint, returned with the idempotency key's match",
        arguments: TestDriver.allCases)
    func metadataAndFingerprint(driver: TestDriver) async throws {
        try await driver.withDatabase { client in
            let d = client.driver
            let insert = TaskInsert(
                kind: "a", queue: "meta", input: "{}", priority: .normal, runAt: nil, maxAttempts: 3)
            let first = try await d.jobInsert(
                .init(
                    owner: "alice", kind: "k", idempotencyKey: "key", tasks: [insert], requestFingerprint: "f1",
                    metadata: #"{"source":"app"}"#))
            #expect(!first.existing)
            let again = try await d.jobInsert(
                .init(owner: "alice", kind: "k", idempotencyKey: "key", tasks: [insert], requestFingerprint: "f2"))
            #expect(again.existing)
            #expect(again.jobID == first.jobID)
            #expect(again.requestFingerprint == "f1")
            let job = try #require(try await client.job(first.jobID))
            let metadata = try JSONSerialization.jsonObject(with: Data(try #require(job.metadata).utf8))
            #expect((metadata as? [String: String]) == ["source": "app"])
        }
    }
}
