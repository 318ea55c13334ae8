public import Conveyor
import Foundation
public import Logging
public import ServiceLifecycle

/// The SQLite driver: the embedded default. One file, no server, one machine.
///
/// ```swift
/// let driver = try SQLiteDriver(url: SQLiteURL("sqlite:///var/lib/app/conveyor.db"))
/// let client = ConveyorClient(driver)
/// try await client.migrate()
/// let worker = try Worker(client: client, registry: registry)
/// try await ServiceGroup(services: [driver, worker], logger: logger).run()
/// ```
///
/// It behaves like the PostgreSQL driver (the conformance suite runs on both): leases fenced by
/// attempt, retries with backoff, dead letters, idempotency keys, delayed tasks, priorities,
/// multi-task jobs inserted atomically, rescue, promotion, pruning, leader election and stats.
///
/// **Connections.** One writer connection carries every write of this driver, in FIFO order, and
/// a few reader connections (``Configuration/readerCount``) carry reads. SQLite lets only one
/// connection write at a time anyway: one writer per driver means the writes of one process never
/// contend for the file lock among themselves (only other processes do), and in WAL mode readers
/// see the last commit without waiting for writes or blocking them. The database runs in WAL mode
/// with `synchronous=NORMAL` (a crash of the process loses nothing committed; a power loss can
/// lose the last commits but never corrupts the file).
///
/// **Many workers, many processes.** Any number of drivers, in this process or others, may open
/// the same file. A claim is one `UPDATE … WHERE id IN (SELECT … LIMIT n) RETURNING …`, which holds
/// the write lock from start to end, so no task is ever claimed twice; every transaction is
/// `BEGIN IMMEDIATE`; a statement or transaction that finds the file locked is retried from the
/// start with a jittered backoff (0.5–20 ms) for up to ``Configuration/busyTimeout``, never
/// dropped. The wait happens in Swift, not in SQLite's busy handler, so no database thread sleeps.
///
/// **Performance.** A single-task enqueue, a claim and a batch of up to 500 outcomes are one
/// statement each; larger batches are several 500-row statements in one transaction. (sqlite-nio
/// prepares each statement anew, so batching rows into one statement is what amortizes the
/// preparation; the statement text of each row count is built once.)
///
/// **Wake-ups.** SQLite has no LISTEN/NOTIFY: ``listenForWork(_:)`` delivers the enqueues and
/// promotions made by any `SQLiteDriver` of this process on the same file; work added by other
/// processes is found by the worker's poll (``WorkerConfiguration/pollInterval``).
///
/// **Lifecycle.** Nothing needs to run: connections open on first use. Call ``close()`` when done,
/// or run the driver as a `Service` (first in the group, so it stops last): it closes its
/// connections at graceful shutdown.
///
/// **Storage.** Times are REAL seconds since 1970; inputs and results are JSON TEXT; a task's
/// errors are a JSON array TEXT, one entry per failed attempt.
public final class SQLiteDriver: QueueDriver, Service {
    /// Settings of the driver; the defaults suit a worker and an API on one machine.
    public struct Configuration: Sendable {
        /// Read connections beside the one writer (default 2).
        public var readerCount: Int
        /// How long a statement waits for a lock held by another process before it fails (default 30 s).
        public var busyTimeout: Duration

        public init(readerCount: Int = 2, busyTimeout: Duration = .seconds(30)) {
            self.readerCount = readerCount
            self.busyTimeout = busyTimeout
        }
    }

    /// The database file.
    public let url: SQLiteURL
    public let configuration: Configuration
    let logger: Logger
    let file: SQLiteDatabaseFile
    let broadcaster: SQLiteWorkBroadcaster
    /// Announces, in this process, the jobs whose event log grew.
    let jobEventBroadcaster: SQLiteWorkBroadcaster

    /// Opens (lazily) the database at `url`, creating its parent directories when missing.
    ///
    /// - Throws: when the directory cannot be created or written, with what to fix.
    public init(
        url: SQLiteURL, configuration: Configuration = .init(), logger: Logger = Logger(label: "conveyor.sqlite")
    ) throws {
        guard configuration.readerCount >= 1 else {
            throw ConveyorError(.invalidConfiguration, "an SQLite driver needs at least one reader connection")
        }
        try url.prepareDirectory()
        self.url = url
        self.configuration = configuration
        self.logger = logger
        self.file = SQLiteDatabaseFile(
            path: url.path, readerCount: configuration.readerCount, busyTimeout: configuration.busyTimeout,
            logger: logger
        )
        // The same file reached through a symbolic link must share wake-ups too.
        let directory = URL(fileURLWithPath: (url.path as NSString).deletingLastPathComponent)
            .resolvingSymlinksInPath().path
        let name = (url.path as NSString).lastPathComponent
        let resolved = (directory as NSString).appendingPathComponent(name)
        self.broadcaster = SQLiteWorkBroadcaster.forFile(resolved)
        self.jobEventBroadcaster = SQLiteWorkBroadcaster.forFile(resolved, channel: .jobEvents)
    }

    /// Opens (lazily) the database at a file path; a relative path is relative to the working directory.
    public convenience init(
        path: String, configuration: Configuration = .init(), logger: Logger = Logger(label: "conveyor.sqlite")
    ) throws {
        try self.init(url: SQLiteURL(path: path), configuration: configuration, logger: logger)
    }

    /// Waits for graceful shutdown, then closes the connections.
    public func run() async throws {
        try? await gracefulShutdown()
        await close()
    }

    /// Closes every connection. Later operations fail with an error that says the driver was closed.
    public func close() async {
        await file.close()
    }

    // MARK: Migrations

    public func migrate() async throws {
        do {
            try await file.transaction { session in
                try await session.run(SQLiteQueries.migrationCreateVersionTable)
                let applied = Set(
                    try await session.rows(SQLiteQueries.migrationApplied).map { try SQLiteCells($0).int(0) })
                for migration in SQLiteMigrations.all where !applied.contains(migration.version) {
                    logger.info(
                        "applying migration", metadata: ["version": "\(migration.version)", "path": "\(url.path)"])
                    for statement in migration.statements {
                        try await session.run(SQLiteQueries.migrationStatement(statement))
                    }
                    try await session.run(
                        SQLiteQueries.migrationRecord(version: migration.version, name: migration.name, now: Date()))
                }
            }
        } catch let error as ConveyorError where error.code == .databaseFailure {
            throw ConveyorError(
                .migrationFailure, "migrating the SQLite database at \(url.path) failed: \(error.message)",
                underlying: error)
        }
    }

    /// The migration versions applied, highest last; empty when the database was never migrated.
    public func appliedMigrations() async throws -> [Int] {
        try await file.read { session in
            let exists = try await session.rows(SQLiteQueries.migrationVersionTableExists).first
            guard let exists, try SQLiteCells(exists).int(0) > 0 else { return [] }
            return try await session.rows(SQLiteQueries.migrationApplied).map { try SQLiteCells($0).int(0) }
        }
    }

    /// The highest migration version this build knows.
    public static var latestMigration: Int { SQLiteMigrations.all.map(\.version).max() ?? 0 }

    /// Every migration version this build knows, in order; numbers may skip (a version another
    /// line of work holds).
    public static var migrationVersions: [Int] { SQLiteMigrations.all.map(\.version).sorted() }
}

extension ConveyorClient {
    /// A client on SQLite.
    public init(_ driver: SQLiteDriver) {
        self.init(driver: driver)
    }
}
