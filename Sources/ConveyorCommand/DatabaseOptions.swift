import ArgumentParser
import Conveyor
import ConveyorPostgres
import Foundation
import Logging
import PostgresNIO

/// `--database` and `--schema`, and the one place that turns them into a client.
///
/// Only PostgreSQL is supported so far; another driver is added in ``open(logger:maximumConnections:)``
/// by its URL scheme.
struct DatabaseOptions: ParsableArguments {
    static let urlVariable = "CONVEYOR_DATABASE_URL"
    static let schemaVariable = "CONVEYOR_SCHEMA"
    static let defaultSchema = "conveyor"

    @Option(
        name: .customLong("database"),
        help: ArgumentHelp(
            "The database: postgres://user:password@host:port/database (env: \(urlVariable)).", valueName: "url")
    )
    var url: String?

    @Option(
        help: ArgumentHelp(
            "The schema that holds Conveyor's tables (env: \(schemaVariable); default: \(defaultSchema)).",
            valueName: "name")
    )
    var schema: String?

    /// The URL from the flag or the environment, or an error that says how to give one.
    func resolvedURL() throws -> String {
        if let url = url ?? Self.environment(Self.urlVariable) { return url }
        throw ConveyorError(
            .invalidConfiguration,
            "no database given: pass --database postgres://user:password@host:port/database or set \(Self.urlVariable)"
        )
    }

    /// The schema from the flag, the environment or the default.
    var resolvedSchema: String { schema ?? Self.environment(Self.schemaVariable) ?? Self.defaultSchema }

    /// Connects: checks the URL and that the server answers, then builds the client and the
    /// services that must run while it is used.
    ///
    /// - Throws: a `ConveyorError` whose one-line description says what to fix when the URL is
    ///   missing or malformed, the server cannot be reached, or the schema name is invalid.
    func open(logger: Logger, maximumConnections: Int = 4) async throws -> OpenedDatabase {
        let url = try PostgresURL(try resolvedURL())
        let schema = resolvedSchema
        // The pool makes no connection until it runs, so the schema name is checked before the server.
        // The pool warns when queried a moment before its run() starts, which a command does by
        // design; its background lines show only at error, or at debug and below when asked for.
        var background = logger
        if background.logLevel > .debug { background.logLevel = max(background.logLevel, .error) }
        let postgres = PostgresClient(
            configuration: url.clientConfiguration(maximumConnections: maximumConnections),
            backgroundLogger: background)
        let driver = try PostgresDriver(client: postgres, schema: schema, logger: logger)
        try await url.checkConnection(logger: logger)
        return OpenedDatabase(
            client: ConveyorClient(driver),
            services: [postgres],
            location: "schema '\(schema)' at \(url)",
            migrationStatus: {
                MigrationStatus(
                    current: try await driver.appliedMigrations().last, latest: PostgresDriver.latestMigration)
            }
        )
    }

    private static func environment(_ name: String) -> String? {
        guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else { return nil }
        return value
    }
}
