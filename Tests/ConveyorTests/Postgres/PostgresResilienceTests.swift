import Conveyor
import ConveyorPostgres
import ConveyorTesting
import Logging
import PostgresNIO
import Testing

@Suite("PostgreSQL resilience", .boundedParallelism, .timeLimit(.minutes(10)))
struct PostgresResilienceTests {
    @Test("eight clients migrating one new schema at once all succeed, and it is migrated once")
    func concurrentMigrations() async throws {
        let url = try PostgresURL(try PostgresFixture.url())
        let schema = "test_migrate_" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
        let pools = (0..<8).map { _ in PostgresClient(configuration: url.clientConfiguration(maximumConnections: 2)) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for pool in pools { group.addTask { await pool.run() } }
            defer { group.cancelAll() }
            let drivers = try pools.map { try PostgresDriver(client: $0, schema: schema, logger: .test()) }
            try await withThrowingTaskGroup(of: Void.self) { migrations in
                for driver in drivers { migrations.addTask { try await driver.migrate() } }
                try await migrations.waitForAll()
            }
            #expect(try await drivers[0].appliedMigrations() == PostgresDriver.migrationVersions)
            try await pools[0].query("DROP SCHEMA \(unescaped: schema) CASCADE")
        }
    }

    @Test("when its listening connection is killed, a worker listens again and is woken by the next enqueue")
    func listenerReconnects() async throws {
        try await PostgresFixture.withSchema { client, driver in
            var configuration = WorkerConfiguration.fast()
            configuration.pollInterval = .seconds(3600)  // only notifications can wake it
            let worker = try Worker(
                client: client, registry: .scripted(log: ExecutionLog()), configuration: configuration, logger: .test())
            let listenerPIDs: PostgresQuery = """
                SELECT pid FROM pg_stat_activity WHERE query = 'LISTEN "\(unescaped: driver.schema)_work";'
                """
            func listening() async throws -> Set<Int32> {
                var pids = Set<Int32>()
                for try await pid in try await driver.client.query(listenerPIDs).decode(Int32.self) { pids.insert(pid) }
                return pids
            }
            try await withRunningWorker(worker) {
                try await waitUntil("the worker listens") { try await listening().count == 1 }
                let first = try await listening()
                let terminated = try await driver.client.query(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid = \(first.first!)"
                ).decode(Bool.self).reduce(into: [Bool]()) { $0.append($1) }
                #expect(terminated == [true])
                try await waitUntil("the worker listens again, on another connection", timeout: .seconds(30)) {
                    let now = try await listening()
                    return now.count == 1 && now.isDisjoint(with: first)
                }
                let job = try await client.enqueue(Scripted(action: .succeed))
                try await waitUntil("the task ran after a notification", timeout: .seconds(10)) {
                    try await client.task(job.taskIDs[0])?.state == .completed
                }
            }
        }
    }
}
