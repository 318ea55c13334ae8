import Conveyor
package import Foundation
import SQLiteNIO

/// What the database recorded for a drained set of tasks.
package struct SQLiteDrainRecord: Sendable, Hashable {
    /// Tasks of the kind in state `completed`.
    package var completed: Int
    /// Tasks of the kind in any state.
    package var total: Int
    /// The earliest `attempted_at`: the first claim.
    package var firstClaim: Date?
    /// The latest `finished_at`: the last completion.
    package var lastCompletion: Date?
    /// The highest attempt number; 1 when every task ran exactly once.
    package var maxAttempt: Int
}

/// Support for `conveyor bench`: seeding in bulk, settling, reading back what was recorded, and
/// removing a run's file. Not part of the queue's operations, so not in `QueueDriver`.
extension SQLiteDriver {
    /// Inserts `finished` completed tasks and `scheduled` future tasks of `kind` in `queue`, fast:
    /// one set-based insert each, in one transaction (SQLite has one writer, so splitting the
    /// work would not run any of it in parallel).
    package func benchSeed(finished: Int, scheduled: Int, kind: String, queue: String) async throws {
        guard finished > 0 || scheduled > 0 else { return }
        let now = Date()
        try await file.transaction { session in
            if finished > 0 {
                try await session.run(
                    SQLiteQueries.benchSeedFinished(count: finished, kind: kind, queue: queue, now: now))
            }
            if scheduled > 0 {
                try await session.run(
                    SQLiteQueries.benchSeedScheduled(count: scheduled, kind: kind, queue: queue, now: now))
            }
        }
    }

    /// Brings the file to a steady state before a measured phase: the write-ahead log is copied
    /// into the database and emptied. Statistics are left alone (nothing runs `ANALYZE` on a
    /// deployed database either). A checkpoint that another connection keeps from finishing is
    /// not an error: the phase then starts with a longer log.
    package func benchSettle() async throws {
        try await file.write { session in
            try await session.run(SQLiteQueries.benchCheckpoint)
        }
    }

    /// Whether any task of `queue` is still available, running or waiting for a retry.
    package func benchHasUnfinished(queue: String) async throws -> Bool {
        try await file.read { session in
            guard let row = try await session.rows(SQLiteQueries.benchHasUnfinished(queue: queue)).first else {
                return false
            }
            return try SQLiteCells(row).int(0) != 0
        }
    }

    /// Reads back what the database recorded for the tasks of `kind`.
    package func benchDrainRecord(kind: String) async throws -> SQLiteDrainRecord {
        try await file.read { session in
            guard let row = try await session.rows(SQLiteQueries.benchSpan(kind: kind)).first else {
                return SQLiteDrainRecord(completed: 0, total: 0, firstClaim: nil, lastCompletion: nil, maxAttempt: 0)
            }
            let cells = SQLiteCells(row)
            return SQLiteDrainRecord(
                completed: try cells.int(0), total: try cells.int(1), firstClaim: try cells.optionalDate(2),
                lastCompletion: try cells.optionalDate(3), maxAttempt: try cells.int(4)
            )
        }
    }

    /// The library's version and the connection settings a figure depends on, by name, as the
    /// writer connection (which carries every write) has them.
    package func benchSettings() async throws -> [(name: String, value: String)] {
        try await file.write { session in
            var settings: [(name: String, value: String)] = []
            if let row = try await session.rows(SQLiteQueries.benchVersion).first {
                settings.append(("sqlite_version", try SQLiteCells(row).string(0)))
            }
            for (name, query) in SQLiteQueries.benchPragmas {
                guard let value = try await session.rows(query).first?.first else { continue }
                settings.append((name, Self.describe(pragma: name, value)))
            }
            return settings
        }
    }

    /// A pragma's value as its documentation names it (`synchronous` 1 is `NORMAL`).
    private static func describe(pragma name: String, _ value: SQLiteData) -> String {
        switch value {
        case .integer(let number) where name == "synchronous":
            let names = ["OFF", "NORMAL", "FULL", "EXTRA"]
            return names.indices.contains(Int(number)) ? names[Int(number)] : "\(number)"
        case .integer(let number): return "\(number)"
        case .float(let number): return "\(number)"
        case .text(let text): return text
        case .blob, .null: return "\(value)"
        }
    }

    /// Closes this driver and deletes its database file with the `-wal`, `-shm` and `-journal`
    /// files SQLite keeps beside it. Other drivers on the file must be closed first.
    package func benchRemoveDatabase() async throws {
        await close()
        let fileManager = FileManager.default
        for suffix in ["", "-wal", "-shm", "-journal"] where fileManager.fileExists(atPath: url.path + suffix) {
            try fileManager.removeItem(atPath: url.path + suffix)
        }
    }
}
