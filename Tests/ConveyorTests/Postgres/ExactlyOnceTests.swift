import Conveyor
import ConveyorPostgres
import ConveyorTesting
import PostgresNIO
import Testing

@Suite("No duplicates without faults on PostgreSQL", .boundedParallelism, .timeLimit(.minutes(10)))
struct ExactlyOnceTests {
    @Test("4 workers, each with its own connection pool, run 20,000 tasks exactly once")
    func fourWorkers() async throws {
        try await PostgresFixture.withSchema { client, driver in
            let total = 20_000
            for start in stride(from: 0, to: total, by: 10_000) {
                let batch = (start..<min(start + 10_000, total)).map { _ in Scripted(action: .succeed) }
                try await client.enqueueMany(batch)
            }
            let log = ExecutionLog()
            let url = try PostgresURL(try PostgresFixture.url())
            let pools = (0..<4).map { _ in PostgresClient(configuration: url.clientConfiguration(maximumConnections: 4))
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for pool in pools { group.addTask { await pool.run() } }
                defer { group.cancelAll() }
                let workers = try pools.map { pool in
                    try Worker(
                        client: ConveyorClient(try PostgresDriver(client: pool, schema: driver.schema)),
                        registry: .scripted(log: log),
                        configuration: .fast(queues: [QueueConfiguration(Scripted.queue, concurrency: 25)]),
                        logger: .test()
                    )
                }
                try await withRunningWorkers(workers) {
                    try await waitUntil("20,000 tasks completed", timeout: .seconds(120), every: .milliseconds(100)) {
                        try await client.queueStats().first?.completedToday == total
                    }
                }
            }
            #expect(log.distinct == total)
            #expect(log.total == total)
            #expect(log.duplicates.isEmpty)
            let stats = try #require(try await client.queueStats().first)
            #expect(stats.available + stats.running + stats.retryable + stats.failedToday == 0)
        }
    }
}
