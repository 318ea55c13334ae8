import Conveyor
import ConveyorPostgres
import Logging
import PostgresNIO

/// The bench on PostgreSQL: every run gets a schema of its own on the same server.
struct PostgresBenchBackend: BenchBackend {
    let url: PostgresURL
    let postgres: PostgresClient
    let logger: Logger

    var name: String { "postgres" }
    var location: String { "\(url.host):\(url.port)/\(url.database ?? "")" }

    /// Connects (failing fast with a clear error when the server is not there) and runs `body`
    /// with the pool running.
    static func withBackend<T: Sendable>(
        url: String,
        connections: Int,
        logger: Logger,
        _ body: (any BenchBackend) async throws -> T
    ) async throws -> T {
        let url = try PostgresURL(url)
        try await url.checkConnection(logger: logger)
        var configuration = url.clientConfiguration(maximumConnections: max(connections, 2))
        // Open the connections before the first measured statement needs them.
        configuration.options.minimumConnections = max(connections / 2, 1)
        // The pool's own log (connection churn, and a warning when the first query races its
        // start) is not the bench's business; errors still show.
        var poolLogger = logger
        poolLogger.logLevel = max(logger.logLevel, .error)
        let postgres = PostgresClient(configuration: configuration, backgroundLogger: poolLogger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await postgres.run() }
            defer { group.cancelAll() }
            return try await body(PostgresBenchBackend(url: url, postgres: postgres, logger: logger))
        }
    }

    func settings() async throws -> [BenchSetting] {
        let driver = try PostgresDriver(client: postgres, schema: "public", logger: logger)
        return try await driver.benchServerSettings().map { BenchSetting(name: $0.name, value: $0.value) }
    }

    func createDatabase() async throws -> any BenchDatabase {
        let schema = "bench_" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
        let driver = try PostgresDriver(client: postgres, schema: schema, logger: logger)
        let database = PostgresBenchDatabase(driver: driver)
        do {
            try await database.client.migrate()
        } catch {
            try? await database.drop()
            throw error
        }
        return database
    }

    func client(forDatabase id: String) throws -> ConveyorClient {
        ConveyorClient(try PostgresDriver(client: postgres, schema: id, logger: logger))
    }
}

/// One run's schema.
struct PostgresBenchDatabase: BenchDatabase {
    let driver: PostgresDriver

    var id: String { driver.schema }
    var client: ConveyorClient { ConveyorClient(driver) }

    func seed(finished: Int, scheduled: Int, kind: String, queue: String) async throws {
        try await driver.benchSeed(finished: finished, scheduled: scheduled, kind: kind, queue: queue)
    }

    func settle() async throws {
        try await driver.benchSettle()
    }

    func hasUnfinishedWork(queue: String) async throws -> Bool {
        try await driver.benchHasUnfinished(queue: queue)
    }

    func drainRecord(kind: String) async throws -> BenchDrainRecord {
        let record = try await driver.benchDrainRecord(kind: kind)
        return BenchDrainRecord(
            completed: record.completed, total: record.total, firstClaim: record.firstClaim,
            lastCompletion: record.lastCompletion, maxAttempt: record.maxAttempt
        )
    }

    func drop() async throws {
        try await driver.benchDropSchema()
    }
}
