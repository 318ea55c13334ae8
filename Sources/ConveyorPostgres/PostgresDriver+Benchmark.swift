import Conveyor
package import Foundation
import PostgresNIO

/// What the database recorded for a drained set of tasks.
package struct PostgresDrainRecord: Sendable, Hashable {
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

/// Support for `conveyor bench`: seeding in bulk, settling, and reading back what was recorded.
/// Not part of the queue's operations, so not in `QueueDriver`.
extension PostgresDriver {
    /// Inserts `finished` completed tasks and `scheduled` future tasks of `kind` in `queue`, fast:
    /// set-based inserts of `chunk` rows each, `parallelism` at a time.
    package func benchSeed(
        finished: Int, scheduled: Int, kind: String, queue: String, chunk: Int = 250_000, parallelism: Int = 2
    ) async throws {
        let total = finished + scheduled
        guard total > 0 else { return }
        var last: Int64 = 0
        for value in try await run(queries.benchReserveIDs(count: total)).decodeAll(Int64.self) {
            last = value
        }
        let first = last - Int64(total) + 1
        var statements: [PostgresQuery] = []
        var start = first
        let finishedEnd = first + Int64(finished) - 1
        while start <= finishedEnd {
            let end = min(start + Int64(chunk) - 1, finishedEnd)
            statements.append(queries.benchSeedFinished(from: start, to: end, kind: kind, queue: queue))
            start = end + 1
        }
        while start <= last {
            let end = min(start + Int64(chunk) - 1, last)
            statements.append(queries.benchSeedScheduled(from: start, to: end, kind: kind, queue: queue))
            start = end + 1
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            var pending = statements[...]
            for _ in 0..<max(1, parallelism) {
                guard let statement = pending.popFirst() else { break }
                group.addTask { try await self.run(statement) }
            }
            while try await group.next() != nil {
                guard let statement = pending.popFirst() else { continue }
                group.addTask { try await self.run(statement) }
            }
        }
    }

    /// Brings the tasks table to a steady state before a measured phase: `VACUUM (ANALYZE)`, then
    /// `CHECKPOINT`, so no run pays for the previous phase's dirty pages or missing statistics.
    package func benchSettle() async throws {
        try await run(queries.benchVacuumAnalyze())
        try await run(queries.benchCheckpoint())
    }

    /// Whether any task of `queue` is still available, running or waiting for a retry.
    package func benchHasUnfinished(queue: String) async throws -> Bool {
        for value in try await run(queries.benchHasUnfinished(queue: queue)).decodeAll(Bool.self) {
            return value
        }
        return false
    }

    /// Reads back what the database recorded for the tasks of `kind`.
    package func benchDrainRecord(kind: String) async throws -> PostgresDrainRecord {
        let rows = try await run(queries.benchSpan(kind: kind))
        for (completed, total, first, last, attempt) in try rows.decodeAll(
            (Int64, Int64, Date?, Date?, Int64).self
        ) {
            return PostgresDrainRecord(
                completed: Int(completed), total: Int(total), firstClaim: first, lastCompletion: last,
                maxAttempt: Int(attempt)
            )
        }
        return PostgresDrainRecord(completed: 0, total: 0, firstClaim: nil, lastCompletion: nil, maxAttempt: 0)
    }

    /// Drops this driver's schema and everything in it.
    package func benchDropSchema() async throws {
        try await run(queries.benchDropSchema())
    }

    /// The server's version and the settings a figure depends on, by name.
    package func benchServerSettings() async throws -> [(name: String, value: String)] {
        var settings: [(name: String, value: String)] = []
        for (name, value) in try await run(PostgresQueries.benchServerSettings()).decodeAll(
            (String, String).self
        ) {
            settings.append((name, value))
        }
        return settings
    }
}
