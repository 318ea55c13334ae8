import Conveyor
import ConveyorService
import ConveyorTesting
import Foundation
import PostgresNIO
import Testing

@testable import ConveyorPostgres

@Suite("Row-level security on PostgreSQL", .boundedParallelism, .timeLimit(.minutes(10)))
struct RowLevelSecurityTests {
    @Test("in an owner's scope, a query with no owner filter of its own returns no other owner's rows")
    func noFilterStillScoped() async throws {
        try await PostgresFixture.withSchema { client, driver in
            let schema = driver.schema
            let alice = try await client.enqueueJob(
                kind: "pair", tasks: [NewTask(kind: "a", queue: "rls"), NewTask(kind: "b", queue: "rls")],
                owner: "alice", idempotencyKey: "one")
            _ = try await client.enqueue(NewTask(kind: "a", queue: "rls"), owner: "bob")
            _ = try await client.enqueueJob(
                kind: "pair", tasks: [NewTask(kind: "a", queue: "rls"), NewTask(kind: "b", queue: "rls")],
                owner: "bob", idempotencyKey: "one")
            // An artifact of each owner, through the fenced registration of a running attempt.
            for owner in ["alice", "bob"] {
                try await client.enqueue(NewTask(kind: "art", queue: "rls-art"), owner: owner)
            }
            for task in try await driver.taskClaim(
                .init(queue: "rls-art", limit: 2, workerID: "w", leaseDuration: .seconds(60)))
            {
                let key = try ArtifactKey(owner: task.owner, jobID: task.jobID, taskID: task.id, name: "out.txt")
                #expect(
                    try await driver.artifactRegister(
                        .init(
                            taskID: task.id, attempt: task.attempt,
                            artifact: StoredArtifact(key: key, size: 1, contentType: "text/plain", sha256: "00"))))
            }

            let owners = try await driver.withOwnerScope("alice") { scoped in
                let pg = try #require(scoped as? PostgresDriver)
                var owners: [String: Set<String>] = [:]
                for table in ["tasks", "jobs", "artifacts"] {
                    let rows = try await pg.run(PostgresQuery(unsafeSQL: "SELECT owner FROM \(schema).\(table)"))
                    owners[table] = Set(try rows.decodeAll(String.self))
                }
                // Nor can the scope write another owner's rows.
                let updated = try await pg.run(
                    PostgresQuery(unsafeSQL: "UPDATE \(schema).tasks SET priority = 5 WHERE owner = 'bob' RETURNING id")
                )
                owners["updated"] = Set(updated.map { _ in "bob" })
                return owners
            }
            #expect(owners["tasks"] == ["alice"])
            #expect(owners["jobs"] == ["alice"])
            #expect(owners["artifacts"] == ["alice"])
            #expect(owners["updated"] == [])
            #expect(try await client.job(alice.jobID)?.tasks.count == 2)

            // Outside the scope (the tables' owner, as workers are), every row is there.
            let all = try await driver.run(PostgresQuery(unsafeSQL: "SELECT DISTINCT owner FROM \(schema).tasks"))
            let everyone: [String] = try all.decodeAll(String.self)
            #expect(Set(everyone) == ["alice", "bob"])
        }
    }

    @Test("under the scoped role with no owner set, nothing is visible")
    func noOwnerNoRows() async throws {
        try await PostgresFixture.withSchema { client, driver in
            _ = try await client.enqueue(NewTask(kind: "a", queue: "rls"), owner: "alice")
            let count = try await driver.transaction { db in
                try await db.run(PostgresQuery(unsafeSQL: "SELECT set_config('role', '\(driver.schema)_api', true)"))
                return try await db.run(PostgresQuery(unsafeSQL: "SELECT count(*) FROM \(driver.schema).tasks"))
                    .decodeAll(Int64.self).first
            }
            #expect(count == 0)
        }
    }

    @Test("a database user that may not take the scoped role is refused at start with what to grant")
    func ownerScopeNeedsTheRole() async throws {
        try await PostgresFixture.withSchema { _, driver in
            // A login role of the throwaway test server, left there like the server's other roles.
            let user = "app_" + String(UInt32.random(in: 0...UInt32.max), radix: 36)
            let schema = driver.schema
            for statement in [
                "CREATE ROLE \(user) LOGIN", "GRANT USAGE ON SCHEMA \(schema) TO \(user)",
                "GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA \(schema) TO \(user)",
            ] {
                try await driver.run(PostgresQuery(unsafeSQL: statement))
            }
            let url = try PostgresFixture.url().replacingOccurrences(of: "://postgres@", with: "://\(user)@")
            let postgres = PostgresClient(
                configuration: try PostgresURL(url).clientConfiguration(maximumConnections: 2))
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await postgres.run() }
                defer { group.cancelAll() }
                let client = ConveyorClient(try PostgresDriver(client: postgres, schema: schema, logger: .test()))
                let refused = await #expect(throws: ConveyorError.self) {
                    try await ConveyorService.checkOwnerScope(client: client)
                }
                #expect(refused?.code == .invalidConfiguration)
                #expect(refused?.message.contains("GRANT") == true)
                try await driver.run(PostgresQuery(unsafeSQL: "GRANT \(schema)_api TO \(user)"))
                try await ConveyorService.checkOwnerScope(client: client)
            }
        }
    }
}
