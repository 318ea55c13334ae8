import Conveyor
import ConveyorTesting
import Foundation
import Testing

@Suite("Owner scope", .boundedParallelism, .timeLimit(.minutes(10)))
struct OwnerScopeTests {
    @Test(
        "inside an owner's scope, reads and writes reach that owner's jobs; other owners' are hidden where the driver enforces it",
        arguments: TestDriver.allCases)
    func scope(driver: TestDriver) async throws {
        try await driver.withDatabase { client in
            let alice = try await client.enqueueJob(
                kind: "pair", tasks: [NewTask(kind: "a", queue: "scope"), NewTask(kind: "b", queue: "scope")],
                owner: "alice")
            let bob = try await client.enqueue(NewTask(kind: "a", queue: "scope"), owner: "bob")
            let bobMulti = try await client.enqueueJob(
                kind: "pair", tasks: [NewTask(kind: "a", queue: "scope"), NewTask(kind: "b", queue: "scope")],
                owner: "bob", idempotencyKey: "k")

            let seen = try await client.driver.withOwnerScope("alice") { scoped in
                // Listed without an owner filter: only the scope limits it.
                let listed = try await scoped.jobList(.init(owner: nil, kind: nil, before: nil, limit: 10))
                let own = try await scoped.jobGet(alice.jobID)
                let others = [try await scoped.jobGet(bob.jobID), try await scoped.jobGet(bobMulti.jobID)]
                let cancelledOthers = try await scoped.jobCancel(.init(jobID: bob.jobID, reason: "no"))
                // Writes for the scope's owner pass.
                let created = try await scoped.jobInsert(
                    .init(
                        owner: "alice", kind: "k", idempotencyKey: "k",
                        tasks: [
                            .init(kind: "a", queue: "scope", input: "{}", priority: .normal, runAt: nil, maxAttempts: 1)
                        ]
                    ))
                let cancelledOwn = try await scoped.jobCancel(.init(jobID: alice.jobID, reason: "changed mind"))
                return (listed, own, others, cancelledOthers, created, cancelledOwn)
            }
            let (listed, own, others, cancelledOthers, created, cancelledOwn) = seen
            #expect(own?.owner == "alice")
            #expect(!created.existing)
            #expect(cancelledOwn == 2)
            if driver.enforcesOwnerScope {
                #expect(listed.map(\.id) == [alice.jobID])
                #expect(others.allSatisfy { $0 == nil })
                #expect(cancelledOthers == 0)
                #expect(try await client.job(bob.jobID)?.state == .queued)
            } else {
                #expect(listed.count == 3)
            }
            // Outside any scope, every owner's jobs are there.
            let all = try await client.driver.jobList(.init(owner: nil, kind: nil, before: nil, limit: 10))
            #expect(all.count == 4)
        }
    }
}
