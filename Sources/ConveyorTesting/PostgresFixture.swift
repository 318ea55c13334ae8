public import Conveyor
public import ConveyorPostgres
import Foundation
public import Logging
import PostgresNIO

/// A throwaway PostgreSQL schema for one test: created and migrated before `body`, dropped after.
///
/// The server comes from `CONVEYOR_TEST_DATABASE_URL`, which `scripts/test` sets.
public enum PostgresFixture {
    /// The URL of the test server, or an error that says how to get one.
    public static func url() throws -> String {
        guard let url = ProcessInfo.processInfo.environment["CONVEYOR_TEST_DATABASE_URL"], !url.isEmpty else {
            throw ConveyorError(
                .invalidConfiguration,
                "CONVEYOR_TEST_DATABASE_URL is not set: run the tests with scripts/test, which starts PostgreSQL"
            )
        }
        return url
    }

    /// Runs `body` with a client on a fresh, migrated schema, and drops the schema afterwards.
    public static func withSchema<T: Sendable>(
        maximumConnections: Int = 20,
        logger: Logger = .test(),
        _ body: (_ client: ConveyorClient, _ driver: PostgresDriver) async throws -> T
    ) async throws -> T {
        let url = try PostgresURL(try url())
        let postgres = PostgresClient(configuration: url.clientConfiguration(maximumConnections: maximumConnections))
        let schema = "test_" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await postgres.run() }
            defer { group.cancelAll() }
            let driver = try PostgresDriver(client: postgres, schema: schema, logger: logger)
            let client = ConveyorClient(driver)
            do {
                try await client.migrate()
                let result = try await body(client, driver)
                try await postgres.query("DROP SCHEMA \(unescaped: schema) CASCADE")
                try await postgres.query("DROP ROLE IF EXISTS \(unescaped: schema)_api")
                return result
            } catch {
                _ = try? await postgres.query("DROP SCHEMA IF EXISTS \(unescaped: schema) CASCADE")
                _ = try? await postgres.query("DROP ROLE IF EXISTS \(unescaped: schema)_api")
                throw error
            }
        }
    }
}
