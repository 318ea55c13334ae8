import Conveyor
import Logging
import NIOCore
import NIOPosix
import SQLiteNIO
import Synchronization

/// One database file as the driver uses it: one writer connection, a few reader connections, and
/// the lock handling that lets many drivers and processes share the file.
///
/// **Why one writer.** SQLite lets one connection write at a time, whatever the number of
/// connections. Funnelling every write of this driver through one connection (in FIFO order)
/// means writes of one process never contend for the file lock among themselves; only other
/// processes (or other drivers on the same file) do. Readers are separate connections so that
/// reads (`task`, `job`, stats) never wait behind writes: in WAL mode a reader sees the last
/// commit and blocks nobody.
///
/// **Locks.** SQLite's own busy handler would sleep on a database thread while another process
/// holds the lock; instead the busy timeout is 0 and a statement or transaction that finds the
/// file locked is retried here, with a jittered backoff from 0.5 ms to 20 ms, for up to
/// `busyTimeout`. A transaction is always `BEGIN IMMEDIATE`: it takes the write lock before it
/// reads, so it can never fail half-way on a lock, and a retry starts it over from the beginning.
final class SQLiteDatabaseFile: Sendable {
    let path: String
    let busyTimeout: Duration
    private let logger: Logger
    private let writer: SQLiteConnectionPool
    private let readers: SQLiteConnectionPool
    /// The threads SQLite's blocking calls run on: one per connection, this file's own. The
    /// process-wide pool has as many threads as cores, shared with every other SQLite file and
    /// all other blocking work of the process (file I/O among it), so one busy user there delays
    /// every claim and heartbeat behind it.
    private let threadPool: NIOThreadPool

    init(path: String, readerCount: Int, busyTimeout: Duration, logger: Logger) {
        self.path = path
        self.busyTimeout = busyTimeout
        self.logger = logger
        let threadPool = NIOThreadPool(numberOfThreads: 1 + readerCount)
        threadPool.start()
        self.threadPool = threadPool
        let closed: @Sendable () -> any Error = {
            ConveyorError(
                .unsupported, "the SQLite driver for \(path) was closed; create a new one to use the database")
        }
        let open: @Sendable () async throws -> SQLiteConnection = {
            try await Self.openConnection(path: path, busyTimeout: busyTimeout, threadPool: threadPool, logger: logger)
        }
        self.writer = SQLiteConnectionPool(capacity: 1, closedError: closed, open: open)
        self.readers = SQLiteConnectionPool(capacity: readerCount, closedError: closed, open: open)
    }

    /// Runs `body` on the writer connection; each statement commits on its own.
    func write<T>(_ body: (SQLiteSession) async throws -> T) async throws -> T {
        try await writer.withConnection { connection in
            try await retryingWhileLocked {
                try await body(SQLiteSession(connection: connection))
            }
        }
    }

    /// Runs `body` in one `BEGIN IMMEDIATE` transaction on the writer connection, started over
    /// when the file was locked. `body` must have no effect outside the database before it returns.
    func transaction<T>(_ body: (SQLiteSession) async throws -> T) async throws -> T {
        try await writer.withConnection { connection in
            try await retryingWhileLocked {
                let session = SQLiteSession(connection: connection)
                try await session.run(SQLiteQueries.transactionBegin)
                do {
                    let result = try await body(session)
                    try await session.run(SQLiteQueries.transactionCommit)
                    return result
                } catch let failure {
                    do {
                        try await session.run(SQLiteQueries.transactionRollback)
                    } catch let rollback as SQLiteError where rollback.message.contains("no transaction is active") {
                        // SQLite already rolled back (it does on some errors).
                    } catch {
                        // The connection may still be inside the transaction: the pool closes it.
                        throw SQLiteConnectionUnusable(underlying: (failure as? SQLiteError).map(Self.wrap) ?? failure)
                    }
                    throw failure
                }
            }
        }
    }

    /// Runs `body` on a reader connection.
    func read<T>(_ body: (SQLiteSession) async throws -> T) async throws -> T {
        try await readers.withConnection { connection in
            try await retryingWhileLocked {
                try await body(SQLiteSession(connection: connection))
            }
        }
    }

    /// Closes every connection; later uses fail with an error that says the driver was closed.
    func close() async {
        await writer.close()
        await readers.close()
        try? await threadPool.shutdownGracefully()
    }

    private func retryingWhileLocked<T>(_ body: () async throws -> T) async throws -> T {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: busyTimeout)
        var delay = Duration.microseconds(500)
        while true {
            do {
                return try await body()
            } catch let error as SQLiteError where error.isLocked {
                guard clock.now < deadline else {
                    throw ConveyorError(
                        .databaseUnavailable,
                        "the SQLite database at \(path) stayed locked by another connection for \(busyTimeout); is another process holding a long transaction?",
                        underlying: error
                    )
                }
                try await Task.sleep(for: delay * Double.random(in: 0.5...1.5))
                delay = min(delay * 2, .milliseconds(20))
            } catch let error as SQLiteError {
                throw Self.wrap(error)
            }
        }
    }

    static func wrap(_ error: SQLiteError) -> ConveyorError {
        var message = "SQLite: \(error.message)"
        if error.message.hasPrefix("no such table") {
            message += "; the database is not migrated: run migrate() (conveyor migrate) first"
        }
        return ConveyorError(.databaseFailure, message, underlying: error)
    }

    private static func openConnection(
        path: String, busyTimeout: Duration, threadPool: NIOThreadPool, logger: Logger
    ) async throws
        -> SQLiteConnection
    {
        let connection: SQLiteConnection
        do {
            connection = try await SQLiteConnection.open(
                storage: .file(path: path), threadPool: threadPool, logger: logger,
                on: MultiThreadedEventLoopGroup.singleton.any()
            ).get()
        } catch let error as SQLiteError {
            throw ConveyorError(
                .databaseUnavailable, "cannot open the SQLite database at \(path): \(error.message)", underlying: error)
        }
        do {
            let session = SQLiteSession(connection: connection)
            try await session.run(SQLiteQueries.connectionBusyTimeout)
            // Switching a new file to WAL takes a moment of exclusive lock; another process may hold it.
            let clock = ContinuousClock()
            let deadline = clock.now.advanced(by: busyTimeout)
            while true {
                do {
                    try await session.run(SQLiteQueries.connectionJournalMode)
                    break
                } catch let error as SQLiteError where error.isLocked && clock.now < deadline {
                    try await Task.sleep(for: .milliseconds(Int.random(in: 1...10)))
                }
            }
            try await session.run(SQLiteQueries.connectionSynchronous)
            return connection
        } catch {
            try? await connection.close().get()
            if let error = error as? SQLiteError {
                throw ConveyorError(
                    .databaseUnavailable, "cannot open the SQLite database at \(path): \(error.message)",
                    underlying: error)
            }
            throw error
        }
    }
}

/// A borrowed connection: runs statements and collects their rows.
///
/// A statement, once asked for, always runs, even when the calling task is cancelled: sqlite-nio
/// skips work whose task was cancelled before it reached a thread, which would skip the `COMMIT`
/// or `ROLLBACK` of a transaction and leave the writer connection holding the write lock.
struct SQLiteSession {
    let connection: SQLiteConnection

    /// Runs a statement and returns its rows, each as its column values in order.
    @discardableResult
    func rows(_ query: SQLiteQuery) async throws -> [[SQLiteData]] {
        let connection = connection
        // Unstructured on purpose: it does not inherit the caller's cancellation (see above).
        return try await Task {
            let collected = RowCollector()
            try await connection.query(query.sql, query.binds) { row in collected.append(row) }
            return collected.take()
        }.value
    }

    /// Runs a statement whose rows, if any, do not matter.
    func run(_ query: SQLiteQuery) async throws {
        let connection = connection
        // Unstructured on purpose: it does not inherit the caller's cancellation (see above).
        try await Task {
            try await connection.query(query.sql, query.binds) { _ in }
        }.value
    }
}

/// Gathers the rows SQLite hands over on its thread.
private final class RowCollector: Sendable {
    private let rows = Mutex<[[SQLiteData]]>([])

    func append(_ row: SQLiteRow) {
        let values = row.columns.map(\.data)
        rows.withLock { $0.append(values) }
    }

    func take() -> [[SQLiteData]] {
        rows.withLock { rows in
            defer { rows = [] }
            return rows
        }
    }
}

extension SQLiteError {
    /// The file is locked by another connection: worth retrying.
    var isLocked: Bool {
        switch reason {
        case .busy, .busyInRecovery, .busyInSnapshot, .busyTimeout: true
        default: false
        }
    }
}
