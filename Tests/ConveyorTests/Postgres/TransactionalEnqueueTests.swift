import Conveyor
import ConveyorPostgres
import ConveyorTesting
import Logging
import PostgresNIO
import Testing

@Suite("Transactional enqueue on PostgreSQL", .boundedParallelism, .timeLimit(.minutes(10)))
struct TransactionalEnqueueTests {
    struct Rollback: Error {}

    @Test("a task enqueued in a rolled-back transaction does not exist")
    func rolledBack() async throws {
        try await PostgresFixture.withSchema { client, driver in
            try await driver.client.query("CREATE TABLE \(unescaped: driver.schema).orders (id int)")
            await #expect(throws: (any Error).self) {
                try await driver.client.withTransaction(logger: .test()) { connection in
                    try await connection.query(
                        "INSERT INTO \(unescaped: driver.schema).orders VALUES (1)", logger: .test()
                    )
                    try await client.transactional(on: connection).enqueue(Scripted(action: .succeed))
                    throw Rollback()
                }
            }
            #expect(try await client.queueStats().isEmpty)
            var orders = 0
            for try await count in try await driver.client.query(
                "SELECT count(*) FROM \(unescaped: driver.schema).orders"
            ).decode(Int.self) { orders = count }
            #expect(orders == 0)
        }
    }

    @Test("a task enqueued in a committed transaction exists and runs")
    func committed() async throws {
        try await PostgresFixture.withSchema { client, driver in
            let job = try await driver.client.withTransaction(logger: .test()) { connection in
                try await client.transactional(on: connection).enqueue(Scripted(action: .echo, text: "in tx"))
            }
            let log = ExecutionLog()
            try await drain(client, registry: .scripted(log: log), configuration: .fast())
            #expect(try await client.task(job.taskIDs[0])?.state == .completed)
            #expect(log.count(job.taskIDs[0]) == 1)
        }
    }

    @Test("a task enqueued in an open transaction is not visible to workers until commit")
    func invisibleUntilCommit() async throws {
        try await PostgresFixture.withSchema { client, driver in
            try await driver.client.withTransaction(logger: .test()) { connection in
                let job = try await client.transactional(on: connection).enqueue(Scripted(action: .succeed))
                #expect(try await client.task(job.taskIDs[0]) == nil)
            }
            #expect(try await client.queueStats().first?.available == 1)
        }
    }
}
