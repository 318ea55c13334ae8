import ArgumentParser
import Conveyor
import ConveyorPostgres
import ConveyorSQLite
import Foundation
import Logging
import PostgresNIO

/// `--database` and `--schema`, and the one place that turns them into a client.
///
/// The URL's scheme picks the driver: `sqlite:` for the embedded database, `postgres://` for
/// PostgreSQL. With no URL at all, the embedded database `./.conveyor/conveyor.db` is used,
/// created and migrated on first use.
struct DatabaseOptions: ParsableArguments {
    static let urlVariable = "CONVEYOR_DATABASE_URL"
    static let schemaVariable = "CONVEYOR_SCHEMA"
    static let defaultSchema = "conveyor"

    @Option(
        name: .customLong("database"),
        help: ArgumentHelp(
            "The database: sqlite:///path/to/file.db or postgres://user:password@host:port/database (env: \(urlVariable); default: sqlite:\(SQLiteURL.defaultRelativePath)).",
            valueName: "url")
    )
    var url: String?

    @Option(
        help: ArgumentHelp(
            "PostgreSQL only: the schema that holds Conveyor's tables (env: \(schemaVariable); default: \(defaultSchema)).",
            valueName: "name")
    )
    var schema: String?

    /// The URL from the flag or the environment; nil means the default embedded database.
    var givenURL: String? { url ?? Self.environment(Self.urlVariable) }

    /// The schema from the flag, the environment or the default.
    var resolvedSchema: String { schema ?? Self.environment(Self.schemaVariable) ?? Self.defaultSchema }

    /// Connects: checks the URL and that the server answers, then builds the client and the
    /// services that must run while it is used.
    ///
    /// - Throws: a `ConveyorError` whose one-line description says what to fix when the URL is
    ///   missing or malformed, the server cannot be reached, or the schema name is invalid.
    /// Opens the database, checks it is migrated, and runs `body` with a client on it: what a
    /// command that reads or acts on jobs does.
    func withMigratedClient<T: Sendable>(
        logger: Logger, _ body: (ConveyorClient, OpenedDatabase) async throws -> T
    ) async throws -> T {
        let opened = try await open(logger: logger)
        return try await opened.withServices { client in
            try await opened.requireMigrated()
            return try await body(client, opened)
        }
    }

    func open(logger: Logger, maximumConnections: Int = 4) async throws -> OpenedDatabase {
        guard let given = givenURL else {
            return try await openSQLite(SQLiteURL.defaultDatabase(), logger: logger)
        }
        if SQLiteURL.isSQLiteURL(given) {
            return try await openSQLite(try SQLiteURL(given), logger: logger)
        }
        let scheme = given.split(separator: ":", maxSplits: 1).first.map { $0.lowercased() } ?? ""
        guard scheme == "postgres" || scheme == "postgresql" else {
            throw ConveyorError(
                .invalidConfiguration,
                "database URL '\(given)' has an unknown scheme: use sqlite:///path/to/file.db or postgres://user:password@host:port/database"
            )
        }
        return try await openPostgres(given, logger: logger, maximumConnections: maximumConnections)
    }

    /// The embedded database: created with its migrations on first use, since nothing else
    /// shares it that could migrate it.
    private func openSQLite(_ url: SQLiteURL, logger: Logger) async throws -> OpenedDatabase {
        let driver = try SQLiteDriver(url: url, logger: logger)
        do {
            try await driver.migrate()
        } catch {
            await driver.close()
            let detail = (error as? ConveyorError)?.message ?? "\(error)"
            throw ConveyorError(
                .invalidConfiguration, "cannot open the SQLite database at \(url.path): \(detail)", underlying: error
            )
        }
        return OpenedDatabase(
            client: ConveyorClient(driver),
            services: [driver],
            location: "SQLite database \(url.path)",
            migrationStatus: {
                let applied = try await driver.appliedMigrations()
                return MigrationStatus(
                    current: applied.last, latest: SQLiteDriver.latestMigration,
                    missing: Self.missing(SQLiteDriver.migrationVersions, from: applied))
            }
        )
    }

    private func openPostgres(
        _ given: String, logger: Logger, maximumConnections: Int
    ) async throws
        -> OpenedDatabase
    {
        let url = try PostgresURL(given)
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
                let applied = try await driver.appliedMigrations()
                return MigrationStatus(
                    current: applied.last, latest: PostgresDriver.latestMigration,
                    missing: Self.missing(PostgresDriver.migrationVersions, from: applied))
            }
        )
    }

    /// The versions this build knows that the database lacks.
    private static func missing(_ known: [Int], from applied: [Int]) -> [Int] {
        let done = Set(applied)
        return known.filter { !done.contains($0) }
    }

    private static func environment(_ name: String) -> String? {
        guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else { return nil }
        return value
    }
}
