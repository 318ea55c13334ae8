import Conveyor
import ConveyorPostgres
import ConveyorTesting
import Foundation
import PostgresNIO

/// A fresh schema for one CLI test: the `conveyor` process creates it with `migrate` (or
/// `work --migrate`); this test process reads it through its own client and drops it at the end.
struct CLIDatabase: Sendable {
    var url: String
    var schema: String

    /// `--database URL --schema NAME`.
    var arguments: [String] { ["--database", url, "--schema", schema] }
    /// The same, given through the environment.
    var environment: [String: String] { ["CONVEYOR_DATABASE_URL": url, "CONVEYOR_SCHEMA": schema] }

    /// Runs `body` with a fresh schema name and a client on it (not migrated), and drops the schema after.
    static func with<T: Sendable>(_ body: (CLIDatabase, ConveyorClient) async throws -> T) async throws -> T {
        let url = try PostgresFixture.url()
        let database = CLIDatabase(url: url, schema: "test_cli_" + String(UInt64.random(in: 0...UInt64.max), radix: 36))
        let postgres = PostgresClient(configuration: try PostgresURL(url).clientConfiguration(maximumConnections: 4))
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await postgres.run() }
            defer { group.cancelAll() }
            let client = ConveyorClient(try PostgresDriver(client: postgres, schema: database.schema, logger: .test()))
            do {
                let result = try await body(database, client)
                try await postgres.query("DROP SCHEMA IF EXISTS \(unescaped: database.schema) CASCADE")
                try await postgres.query("DROP ROLE IF EXISTS \(unescaped: database.schema)_api")
                return result
            } catch {
                _ = try? await postgres.query("DROP SCHEMA IF EXISTS \(unescaped: database.schema) CASCADE")
                _ = try? await postgres.query("DROP ROLE IF EXISTS \(unescaped: database.schema)_api")
                throw error
            }
        }
    }
}
