import Foundation
import SQLiteNIO

/// The statements `conveyor bench` needs beyond the driver's own: bulk seeding, settling the
/// file between phases, and reading back what the database recorded. Kept with the driver's SQL
/// so that no SQL lives outside this target.
extension SQLiteQueries {
    /// Inserts `count` (at least 1) completed single-task jobs, finished between 12 hours and one
    /// minute before `now` (inside the pruner's default retention, so maintenance leaves them
    /// alone during a run), in id order: every index sees its entries appended, which keeps a
    /// seed of millions of rows fast.
    static func benchSeedFinished(count: Int, kind: String, queue: String, now: Date) -> SQLiteQuery {
        SQLiteQuery(
            """
            WITH RECURSIVE g(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM g WHERE n + 1 < ?1)
            INSERT INTO tasks
                (kind, queue, state, priority, input, attempt, max_attempts, run_at, created_at, attempted_at,
                 finished_at)
            SELECT ?2, ?3, 'completed', 0, '{}', 1, 20, at, at, at, at + 0.002
            FROM (SELECT ?4 - 43260 + n * (43200.0 / ?1) AS at FROM g)
            """,
            [.integer(count), .text(kind), .text(queue), now.sqlite]
        )
    }

    /// Inserts `count` (at least 1) scheduled single-task jobs, due between one and two days after
    /// `now` (so the scheduler does not promote them during a run), in id and `run_at` order.
    static func benchSeedScheduled(count: Int, kind: String, queue: String, now: Date) -> SQLiteQuery {
        SQLiteQuery(
            """
            WITH RECURSIVE g(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM g WHERE n + 1 < ?1)
            INSERT INTO tasks (kind, queue, state, priority, input, attempt, max_attempts, run_at, created_at)
            SELECT ?2, ?3, 'scheduled', 0, '{}', 0, 20, ?4 + 86400 + n * (86400.0 / ?1), ?4
            FROM g
            """,
            [.integer(count), .text(kind), .text(queue), now.sqlite]
        )
    }

    /// Copies the write-ahead log into the database file and empties it, so that a measured phase
    /// does not pay for checkpointing the previous phase's writes.
    static let benchCheckpoint = SQLiteQuery("PRAGMA wal_checkpoint(TRUNCATE)")

    /// Whether any task of the queue is still waiting, running or due for a retry. Each arm reads a
    /// partial index, and `CASE` evaluates them in turn: the retry arm (which walks `tasks_due`,
    /// shared with scheduled tasks) only runs once nothing is available or running, so polling this
    /// costs little while a worker drains.
    static func benchHasUnfinished(queue: String) -> SQLiteQuery {
        SQLiteQuery(
            """
            SELECT CASE
                WHEN EXISTS (SELECT 1 FROM tasks WHERE state = 'available' AND queue = ?1) THEN 1
                WHEN EXISTS (SELECT 1 FROM tasks WHERE state = 'running' AND queue = ?1) THEN 1
                ELSE EXISTS (
                    SELECT 1 FROM tasks
                    WHERE state IN ('scheduled', 'retryable') AND state = 'retryable' AND queue = ?1
                )
            END
            """,
            [.text(queue)]
        )
    }

    /// What the database recorded for the tasks of one kind: how many completed, how many exist,
    /// the first claim, the last completion and the highest attempt.
    static func benchSpan(kind: String) -> SQLiteQuery {
        SQLiteQuery(
            """
            SELECT coalesce(sum(state = 'completed'), 0), count(*), min(attempted_at), max(finished_at),
                   coalesce(max(attempt), 0)
            FROM tasks WHERE kind = ?1
            """,
            [.text(kind)]
        )
    }

    /// The library's version, which the figures depend on.
    static let benchVersion = SQLiteQuery("SELECT sqlite_version()")

    /// The connection settings the figures depend on, each a `PRAGMA` that returns one value.
    static let benchPragmas: [(name: String, query: SQLiteQuery)] = [
        "journal_mode", "synchronous", "page_size", "cache_size", "wal_autocheckpoint",
    ].map { ($0, SQLiteQuery("PRAGMA \($0)")) }
}
