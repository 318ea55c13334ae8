import Conveyor
import Foundation
import SQLiteNIO
import Synchronization

/// One SQL statement with its bound values.
struct SQLiteQuery: Sendable {
    var sql: String
    var binds: [SQLiteData]

    init(_ sql: String, _ binds: [SQLiteData] = []) {
        self.sql = sql
        self.binds = binds
    }
}

/// Every SQL statement of the SQLite driver, one per driver operation, named after it.
///
/// Values are always bound, never interpolated. Times are REAL seconds since 1970 and "now" is
/// always bound from the caller's clock, so the maintenance operations can be run at any `now` in
/// tests. Batches are multi-row `VALUES` lists of at most ``maxRowsPerStatement`` rows with plain
/// `?` placeholders (numbered ones cost SQLite a linear search each, quadratic over a batch), so
/// whatever depends on "now" in a batch row is worked out in Swift; the text of each row count
/// is built once.
enum SQLiteQueries {
    /// Rows per multi-row statement; a larger batch is split across statements in one transaction.
    static let maxRowsPerStatement = 500

    /// Multi-row statements differ only in their number of rows: each text is built once per count.
    private static let texts = Mutex<[String: String]>([:])

    private static func text(_ name: String, rows: Int, build: () -> String) -> String {
        let key = "\(name)/\(rows)"
        if let cached = texts.withLock({ $0[key] }) { return cached }
        let text = build()
        texts.withLock { $0[key] = text }
        return text
    }

    /// `count` copies of `row`, comma-separated: the rows of a multi-row `VALUES`.
    private static func rows(_ count: Int, _ row: String) -> String {
        Array(repeating: row, count: count).joined(separator: ", ")
    }

    static let taskColumns = """
        id, coalesce(job_id, id), kind, queue, owner, state, priority, attempt, max_attempts, input,
        result, errors, run_at, worker_id, lease_expires_at, created_at, attempted_at, finished_at,
        progress, progress_message, name, redriven_at,
        (SELECT json_group_array(depends_on) FROM
            (SELECT depends_on FROM task_dependencies d WHERE d.task_id = tasks.id ORDER BY depends_on))
        """

    // MARK: Connection set-up and transactions

    /// Wait for locks in Swift (with backoff, off the database threads), not inside SQLite.
    static let connectionBusyTimeout = SQLiteQuery("PRAGMA busy_timeout = 0")
    /// Readers never block the writer, and the writer never blocks readers.
    static let connectionJournalMode = SQLiteQuery("PRAGMA journal_mode = WAL")
    /// In WAL mode a commit is durable against a crash of the process; only a power loss can lose
    /// the last commits, never corrupt the file.
    static let connectionSynchronous = SQLiteQuery("PRAGMA synchronous = NORMAL")
    /// Takes the write lock at once, so a transaction never fails half-way on a lock held elsewhere.
    static let transactionBegin = SQLiteQuery("BEGIN IMMEDIATE")
    static let transactionCommit = SQLiteQuery("COMMIT")
    static let transactionRollback = SQLiteQuery("ROLLBACK")

    // MARK: Migrations

    static let migrationCreateVersionTable = SQLiteQuery(
        """
        CREATE TABLE IF NOT EXISTS schema_migrations (
            version INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            applied_at REAL NOT NULL
        ) STRICT
        """
    )

    static let migrationApplied = SQLiteQuery("SELECT version FROM schema_migrations ORDER BY version")

    static let migrationVersionTableExists = SQLiteQuery(
        "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'schema_migrations'"
    )

    static func migrationStatement(_ sql: String) -> SQLiteQuery { SQLiteQuery(sql) }

    static func migrationRecord(version: Int, name: String, now: Date) -> SQLiteQuery {
        SQLiteQuery(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)",
            [.integer(version), .text(name), now.sqlite]
        )
    }

    // MARK: Enqueue

    /// Inserts up to ``maxRowsPerStatement`` tasks of one owner; `jobID` nil makes each its own job.
    /// `blockers[i]` (default: the task's dependencies in the same insert) starts a task `blocked`.
    ///
    /// `json(input)` fails the statement on malformed JSON, as `::jsonb` does on PostgreSQL.
    static func taskInsertMany(
        owner: String, jobID: Int64?, tasks: ArraySlice<TaskInsert>, blockers: ArraySlice<Int>? = nil, now: Date
    ) -> SQLiteQuery {
        let sql = text("taskInsertMany", rows: tasks.count) {
            """
            INSERT INTO tasks (job_id, owner, kind, queue, state, priority, input, max_attempts, attempt_budget, run_at,
                               created_at, name, blockers, resources)
            VALUES \(rows(tasks.count, "(?, ?, ?, ?, ?, ?, json(?), ?, ?, ?, ?, ?, ?, ?)"))
            RETURNING id
            """
        }
        let job: SQLiteData = jobID.map { .integer(Int($0)) } ?? .null
        var binds: [SQLiteData] = []
        binds.reserveCapacity(tasks.count * 14)
        for (offset, task) in tasks.enumerated() {
            let runAt = max(task.runAt ?? now, now)
            let blocked = blockers.map { $0[$0.startIndex + offset] } ?? task.dependsOn.count
            let state: TaskState = blocked > 0 ? .blocked : runAt > now ? .scheduled : .available
            binds.append(job)
            binds.append(.text(owner))
            binds.append(.text(task.kind))
            binds.append(.text(task.queue))
            binds.append(.text(state.rawValue))
            binds.append(.integer(Int(task.priority.rawValue)))
            binds.append(.text(task.input))
            binds.append(.integer(task.maxAttempts))
            binds.append(.integer(task.maxAttempts))
            binds.append(runAt.sqlite)
            binds.append(now.sqlite)
            binds.append(task.name.map { .text($0) } ?? .null)
            binds.append(.integer(blocked))
            binds.append(task.resources.isEmpty ? .null : .text(resourcesJSON(task.resources)))
        }
        return SQLiteQuery(sql, binds)
    }

    /// Dependency rows, `(task, depends on)` pairs of ids, up to ``maxRowsPerStatement`` per statement.
    static func taskDependenciesInsert(_ pairs: ArraySlice<(task: Int64, dependsOn: Int64)>) -> SQLiteQuery {
        let sql = text("taskDependenciesInsert", rows: pairs.count) {
            "INSERT INTO task_dependencies (task_id, depends_on) VALUES \(rows(pairs.count, "(?, ?)"))"
        }
        var binds: [SQLiteData] = []
        binds.reserveCapacity(pairs.count * 2)
        for pair in pairs {
            binds.append(.integer(Int(pair.task)))
            binds.append(.integer(Int(pair.dependsOn)))
        }
        return SQLiteQuery(sql, binds)
    }

    static func jobFindByIdempotencyKey(owner: String, key: String) -> SQLiteQuery {
        SQLiteQuery(
            """
            SELECT j.id, t.id, j.request_sha256 FROM jobs j LEFT JOIN tasks t ON t.job_id = j.id
            WHERE j.owner = ?1 AND j.idempotency_key = ?2
            ORDER BY t.id
            """,
            [.text(owner), .text(key)]
        )
    }

    /// Takes the next id of the shared id space for a job, so no task ever has it.
    static let jobAllocateID = SQLiteQuery(
        """
        UPDATE sqlite_sequence SET seq = max(seq, coalesce((SELECT max(id) FROM tasks), 0)) + 1
        WHERE name = 'tasks'
        RETURNING seq
        """
    )

    /// Recreates the counter row if it went missing, one past every task id.
    static let jobRestoreSequence = SQLiteQuery(
        "INSERT INTO sqlite_sequence (name, seq) SELECT 'tasks', coalesce(max(id), 0) FROM tasks"
    )

    static func jobInsert(
        id: Int64, owner: String, kind: String, idempotencyKey: String?, fingerprint: String?, metadata: String?,
        taskCount: Int, now: Date
    ) -> SQLiteQuery {
        SQLiteQuery(
            """
            INSERT INTO jobs (id, owner, kind, idempotency_key, task_count, created_at, request_sha256, metadata)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, json(?8))
            """,
            [
                .integer(Int(id)), .text(owner), .text(kind), idempotencyKey.map { .text($0) } ?? .null,
                .integer(taskCount), now.sqlite, fingerprint.map { .text($0) } ?? .null,
                metadata.map { .text($0) } ?? .null,
            ]
        )
    }

    // MARK: Hot path

    /// Claims in one statement: the subquery picks in claim order, the update marks them running.
    /// A statement that writes holds the database's write lock from start to end, so two
    /// connections (or processes) can never claim the same row. It takes nothing from a queue
    /// under flow control and no task that uses a resource: those go through the limited claim.
    static func taskClaim(
        queue: String, limit: Int, workerID: String, leaseSeconds: Double, now: Date
    )
        -> SQLiteQuery
    {
        SQLiteQuery(
            """
            UPDATE tasks
            SET state = 'running', attempt = attempt + 1, worker_id = ?1, attempted_at = ?2, lease_expires_at = ?3
            WHERE id IN (
                SELECT id FROM tasks
                WHERE state = 'available' AND queue = ?4 AND resources IS NULL
                  AND NOT EXISTS (
                      SELECT 1 FROM queues q
                      WHERE q.name = ?4
                        AND (q.paused OR q.concurrency_limit IS NOT NULL OR q.rate_limit IS NOT NULL OR q.fair_share))
                ORDER BY priority, run_at, id
                LIMIT ?5
            )
            RETURNING id, coalesce(job_id, id), kind, queue, owner, input, attempt, max_attempts, priority,
                      created_at, run_at, job_id IS NOT NULL
            """,
            [
                .text(workerID), now.sqlite, now.addingTimeInterval(leaseSeconds).sqlite, .text(queue),
                .integer(limit),
            ]
        )
    }

    // MARK: Flow control

    /// `["a","b"]`: resource names hold no quote or backslash, so they need no escaping.
    static func resourcesJSON(_ names: [String]) -> String {
        "[\"" + names.joined(separator: "\",\"") + "\"]"
    }

    static let queueSettingsColumns = """
        name, paused, concurrency_limit, rate_limit, rate_interval_ms, timeout_ms, max_attempts, fair_share,
        peak_start_minute, peak_end_minute, peak_multiplier, peak_time_zone, updated_at
        """

    static let resourceSettingsColumns = """
        name, concurrency_limit, rate_limit, rate_interval_ms, peak_start_minute, peak_end_minute, peak_multiplier,
        peak_time_zone, updated_at
        """

    static let queueSettingsList = SQLiteQuery("SELECT \(queueSettingsColumns) FROM queues ORDER BY name")

    static func queueSettingsGet(_ name: String) -> SQLiteQuery {
        SQLiteQuery("SELECT \(queueSettingsColumns) FROM queues WHERE name = ?1", [.text(name)])
    }

    /// What a limited claim reads first, in one statement (each statement is a hop between threads
    /// while the write lock is held): the queue's settings (13 columns, all NULL without a row),
    /// whether an available task of it uses a resource, and, when reserving a follower, the
    /// resources of the task it follows (NULL unless that one still runs under that attempt, for
    /// `workerID`, with no follower reserved yet).
    static func flowClaimContext(queue: String, follows: TaskAttempt?, workerID: String) -> SQLiteQuery {
        SQLiteQuery(
            """
            SELECT q.name, q.paused, q.concurrency_limit, q.rate_limit, q.rate_interval_ms, q.timeout_ms, q.max_attempts,
                   q.fair_share, q.peak_start_minute, q.peak_end_minute, q.peak_multiplier, q.peak_time_zone, q.updated_at,
                   EXISTS (SELECT 1 FROM tasks WHERE state = 'available' AND queue = ?1 AND resources IS NOT NULL),
                   (SELECT coalesce(resources, '[]') FROM tasks
                    WHERE id = ?2 AND attempt = ?3 AND state = 'running' AND worker_id = ?4
                      AND NOT EXISTS (SELECT 1 FROM tasks f
                                      WHERE f.state = 'running' AND f.follows = ?2 AND f.follows_attempt = ?3))
            FROM (SELECT 1) AS one LEFT JOIN queues AS q ON q.name = ?1
            """,
            [
                .text(queue), follows.map { .integer(Int($0.id.rawValue)) } ?? .null,
                follows.map { .integer($0.attempt) } ?? .null, .text(workerID),
            ])
    }

    /// Tasks holding a place, in one statement: of the queue (the row named NULL, as
    /// ``taskCountRunning(queue:workerID:returned:)`` counts them), and per resource they use
    /// (``resourceCountStillRunningSQL``).
    static func flowCountStillRunning(queue: String, workerID: String, returned: [TaskID: Int]) -> SQLiteQuery {
        SQLiteQuery(
            """
            SELECT NULL, count(*) FROM tasks WHERE state = 'running' AND queue = ?3 AND \(stillRunning)
            UNION ALL
            \(resourceCountStillRunningSQL)
            """,
            [returnedJSON(returned), .text(workerID), .text(queue)])
    }

    /// Whether an available task of the queue uses a resource (answered from `tasks_resources`).
    static func queueUsesResources(_ queue: String) -> SQLiteQuery {
        SQLiteQuery(
            "SELECT EXISTS (SELECT 1 FROM tasks WHERE state = 'available' AND queue = ?1 AND resources IS NOT NULL)",
            [.text(queue)])
    }

    static func queueSettingsPut(_ q: QueueSettings, now: Date) -> SQLiteQuery {
        SQLiteQuery(
            """
            INSERT INTO queues
                (name, paused, concurrency_limit, rate_limit, rate_interval_ms, timeout_ms, max_attempts, fair_share,
                 peak_start_minute, peak_end_minute, peak_multiplier, peak_time_zone, updated_at)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
            ON CONFLICT (name) DO UPDATE SET
                paused = excluded.paused, concurrency_limit = excluded.concurrency_limit,
                rate_limit = excluded.rate_limit, rate_interval_ms = excluded.rate_interval_ms,
                timeout_ms = excluded.timeout_ms, max_attempts = excluded.max_attempts,
                fair_share = excluded.fair_share, peak_start_minute = excluded.peak_start_minute,
                peak_end_minute = excluded.peak_end_minute, peak_multiplier = excluded.peak_multiplier,
                peak_time_zone = excluded.peak_time_zone, updated_at = excluded.updated_at
            """,
            [
                .text(q.name), .integer(q.paused ? 1 : 0), optional(q.concurrencyLimit),
                optional(q.rateLimit?.count), optional(q.rateLimit.map { Int($0.intervalMilliseconds) }),
                optional(q.timeout.map { Int(($0.seconds * 1000).rounded()) }), optional(q.maxAttempts),
                .integer(q.fairShare ? 1 : 0), optional(q.peak?.start), optional(q.peak?.end),
                q.peak.map { .float($0.multiplier) } ?? .null, q.peak.map { .text($0.timeZone) } ?? .null, now.sqlite,
            ]
        )
    }

    static func queueSetPaused(name: String, paused: Bool, now: Date) -> SQLiteQuery {
        SQLiteQuery(
            """
            INSERT INTO queues (name, paused, updated_at) VALUES (?1, ?2, ?3)
            ON CONFLICT (name) DO UPDATE SET paused = excluded.paused, updated_at = excluded.updated_at
            """,
            [.text(name), .integer(paused ? 1 : 0), now.sqlite]
        )
    }

    static let resourceSettingsList = SQLiteQuery("SELECT \(resourceSettingsColumns) FROM resources ORDER BY name")

    static func resourceSettingsPut(_ r: ResourceSettings, now: Date) -> SQLiteQuery {
        SQLiteQuery(
            """
            INSERT INTO resources
                (name, concurrency_limit, rate_limit, rate_interval_ms, peak_start_minute, peak_end_minute,
                 peak_multiplier, peak_time_zone, updated_at)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
            ON CONFLICT (name) DO UPDATE SET
                concurrency_limit = excluded.concurrency_limit, rate_limit = excluded.rate_limit,
                rate_interval_ms = excluded.rate_interval_ms, peak_start_minute = excluded.peak_start_minute,
                peak_end_minute = excluded.peak_end_minute, peak_multiplier = excluded.peak_multiplier,
                peak_time_zone = excluded.peak_time_zone, updated_at = excluded.updated_at
            """,
            [
                .text(r.name), optional(r.concurrencyLimit), optional(r.rateLimit?.count),
                optional(r.rateLimit.map { Int($0.intervalMilliseconds) }), optional(r.peak?.start),
                optional(r.peak?.end), r.peak.map { .float($0.multiplier) } ?? .null,
                r.peak.map { .text($0.timeZone) } ?? .null, now.sqlite,
            ]
        )
    }

    static func resourceSettingsDelete(_ name: String) -> SQLiteQuery {
        SQLiteQuery("DELETE FROM resources WHERE name = ?1 RETURNING name", [.text(name)])
    }

    /// Running tasks per resource they use.
    static let resourceCountRunning = SQLiteQuery(
        """
        SELECT r.value, count(*) FROM tasks, json_each(tasks.resources) AS r
        WHERE tasks.state = 'running' AND tasks.resources IS NOT NULL
        GROUP BY r.value
        """
    )

    /// Whether a running task holds a place: not when its handler returned (`?1`: a JSON array of
    /// `[id, attempt]`; its outcome is being written), nor when it is reserved to follow a task
    /// that still runs (the pair holds one place).
    private static let stillRunning = "\(notReturned) AND NOT \(leaderHolds)"

    /// The task's handler has not returned (`?1`: a JSON array of `[id, attempt]`, of worker `?2`).
    private static let notReturned = """
        NOT (tasks.worker_id = ?2 AND EXISTS (
            SELECT 1 FROM json_each(?1) AS x
            WHERE x.value ->> 0 = tasks.id AND x.value ->> 1 = tasks.attempt))
        """

    /// The task is reserved to follow one that still runs (whose handler has not returned).
    private static let leaderHolds = """
        EXISTS (
            SELECT 1 FROM tasks AS p
            WHERE p.id = tasks.follows AND p.attempt = tasks.follows_attempt AND p.state = 'running'
              AND NOT (p.worker_id = ?2 AND EXISTS (
                  SELECT 1 FROM json_each(?1) AS x WHERE x.value ->> 0 = p.id AND x.value ->> 1 = p.attempt)))
        """

    /// `[[id, attempt], …]`.
    private static func returnedJSON(_ returned: [TaskID: Int]) -> SQLiteData {
        .text("[" + returned.map { "[\($0.key.rawValue),\($0.value)]" }.joined(separator: ",") + "]")
    }

    /// Running tasks of a queue, but those whose handler returned.
    static func taskCountRunning(queue: String, workerID: String, returned: [TaskID: Int]) -> SQLiteQuery {
        SQLiteQuery(
            "SELECT count(*) FROM tasks WHERE state = 'running' AND queue = ?3 AND \(stillRunning)",
            [returnedJSON(returned), .text(workerID), .text(queue)])
    }

    /// Running (or reserved) tasks of a queue per owner: the rounds each owner has had, for fair share.
    static func taskCountRunningByOwner(queue: String) -> SQLiteQuery {
        SQLiteQuery(
            "SELECT owner, count(*) FROM tasks WHERE state = 'running' AND queue = ?1 GROUP BY owner",
            [.text(queue)])
    }

    /// Running tasks per resource they use, but those whose handler returned (`?1`, `?2`: see
    /// ``notReturned``). A task reserved to follow one that still runs holds the places of the
    /// resources its leader does not use.
    private static let resourceCountStillRunningSQL = """
        SELECT r.value, count(*) FROM tasks, json_each(tasks.resources) AS r
        WHERE tasks.state = 'running' AND tasks.resources IS NOT NULL AND \(notReturned)
          AND (NOT \(leaderHolds)
               OR NOT EXISTS (SELECT 1 FROM tasks AS l, json_each(l.resources) AS lr
                              WHERE l.id = tasks.follows AND l.attempt = tasks.follows_attempt
                                AND lr.value = r.value))
        GROUP BY r.value
        """

    /// Starts recorded for a rate-limit scope after `since`, and the oldest of them.
    static func flowStartsCount(scope: String, since: Date) -> SQLiteQuery {
        SQLiteQuery(
            "SELECT coalesce(sum(count), 0), min(started_at) FROM flow_starts WHERE scope = ?1 AND started_at > ?2",
            [.text(scope), since.sqlite]
        )
    }

    static func flowStartsInsert(scope: String, at: Date, count: Int) -> SQLiteQuery {
        SQLiteQuery(
            "INSERT INTO flow_starts (scope, started_at, count) VALUES (?1, ?2, ?3)",
            [.text(scope), at.sqlite, .integer(count)]
        )
    }

    static func flowStartsPrune(scope: String, before: Date) -> SQLiteQuery {
        SQLiteQuery("DELETE FROM flow_starts WHERE scope = ?1 AND started_at < ?2", [.text(scope), before.sqlite])
    }

    static let flowCandidateColumns = "id, owner, priority, run_at, resources"

    /// Passes over a task that uses a resource with no room now (`?1`, a JSON array of names).
    private static let admissible = """
        (resources IS NULL OR NOT EXISTS (
            SELECT 1 FROM json_each(tasks.resources) AS r WHERE r.value IN (SELECT value FROM json_each(?1))))
        """

    /// The first `limit` available tasks of a queue in claim order, passing over those that use
    /// a resource in `full`.
    static func flowCandidatesPlain(queue: String, limit: Int, full: [String]) -> SQLiteQuery {
        SQLiteQuery(
            """
            SELECT \(flowCandidateColumns) FROM tasks
            WHERE state = 'available' AND queue = ?2 AND \(admissible)
            ORDER BY priority, run_at, id LIMIT ?3
            """,
            [.text(resourcesJSONOrEmpty(full)), .text(queue), .integer(limit)]
        )
    }

    /// The next owner after `after` with an available task in the queue, with that owner's first
    /// task that uses no resource in `full`: one walk in `tasks_fair` per owner.
    static func flowNextOwnerHead(queue: String, after: String, full: [String]) -> SQLiteQuery {
        SQLiteQuery(
            """
            SELECT \(flowCandidateColumns) FROM tasks
            WHERE state = 'available' AND queue = ?2 AND owner <> '' AND owner > ?3 AND \(admissible)
            ORDER BY owner, priority, run_at, id LIMIT 1
            """,
            [.text(resourcesJSONOrEmpty(full)), .text(queue), .text(after)]
        )
    }

    /// An owner's first `limit` available tasks in the queue, in claim order, passing over those
    /// that use a resource in `full`.
    static func flowOwnerTasks(queue: String, owner: String, limit: Int, full: [String]) -> SQLiteQuery {
        SQLiteQuery(
            """
            SELECT \(flowCandidateColumns) FROM tasks
            WHERE state = 'available' AND queue = ?2 AND owner = ?3 AND owner <> '' AND \(admissible)
            ORDER BY priority, run_at, id LIMIT ?4
            """,
            [.text(resourcesJSONOrEmpty(full)), .text(queue), .text(owner), .integer(limit)]
        )
    }

    /// Whether an available task of the queue waits for a resource in `full`.
    static func flowBlocked(queue: String, full: [String]) -> SQLiteQuery {
        SQLiteQuery(
            """
            SELECT EXISTS (
                SELECT 1 FROM tasks
                WHERE state = 'available' AND queue = ?2 AND resources IS NOT NULL AND NOT \(admissible))
            """,
            [.text(resourcesJSONOrEmpty(full)), .text(queue)]
        )
    }

    private static func resourcesJSONOrEmpty(_ names: [String]) -> String {
        names.isEmpty ? "[]" : resourcesJSON(names)
    }

    /// Marks the admitted tasks running, as followers of `follows` when given; the ids are one
    /// bound JSON array.
    static func taskClaimLimited(
        ids: [Int64], workerID: String, leaseSeconds: Double, now: Date, follows: TaskAttempt?
    ) -> SQLiteQuery {
        let list = "[" + ids.map(String.init).joined(separator: ",") + "]"
        return SQLiteQuery(
            """
            UPDATE tasks
            SET state = 'running', attempt = attempt + 1, worker_id = ?1, attempted_at = ?2, lease_expires_at = ?3,
                follows = ?5, follows_attempt = ?6
            WHERE id IN (SELECT value FROM json_each(?4)) AND state = 'available'
            RETURNING id, coalesce(job_id, id), kind, queue, owner, input, attempt, max_attempts, priority,
                      created_at, resources, job_id IS NOT NULL
            """,
            [
                .text(workerID), now.sqlite, now.addingTimeInterval(leaseSeconds).sqlite, .text(list),
                follows.map { .integer(Int($0.id.rawValue)) } ?? .null, follows.map { .integer($0.attempt) } ?? .null,
            ]
        )
    }

    /// Tasks of `queue` whose handlers returned in this worker (`?1`), their outcomes not written
    /// yet, with no follower: a claim pairs the tasks it takes with them, so that other claims
    /// count each pair as the one place it is.
    static func taskReplaced(queue: String, workerID: String, returned: [TaskID: Int]) -> SQLiteQuery {
        SQLiteQuery(
            """
            SELECT tasks.id, tasks.attempt FROM tasks
            WHERE tasks.state = 'running' AND tasks.queue = ?3 AND tasks.worker_id = ?2
              AND EXISTS (SELECT 1 FROM json_each(?1) AS x WHERE x.value ->> 0 = tasks.id AND x.value ->> 1 = tasks.attempt)
              AND NOT EXISTS (SELECT 1 FROM tasks AS f
                              WHERE f.state = 'running' AND f.follows = tasks.id AND f.follows_attempt = tasks.attempt)
            ORDER BY tasks.id
            """,
            [returnedJSON(returned), .text(workerID), .text(queue)])
    }

    /// Pairs a task just claimed with the task whose place it takes.
    static func taskSetFollows(_ id: TaskID, follows: TaskAttempt) -> SQLiteQuery {
        SQLiteQuery(
            "UPDATE tasks SET follows = ?2, follows_attempt = ?3 WHERE id = ?1",
            [.integer(Int(id.rawValue)), .integer(Int(follows.id.rawValue)), .integer(follows.attempt)])
    }

    private static func optional(_ value: Int?) -> SQLiteData {
        value.map { .integer($0) } ?? .null
    }

    /// Writes outcomes where the task is still running under that attempt (fencing).
    static func taskCompleteMany(_ completions: ArraySlice<CompletionRow>) -> SQLiteQuery {
        let sql = text("taskCompleteMany", rows: completions.count) {
            """
            WITH u(c_id, c_attempt, c_state, c_result, c_error, c_run_at, c_extra, c_finished_at) AS (
                VALUES \(rows(completions.count, "(?, ?, ?, ?, ?, ?, ?, ?)"))
            )
            UPDATE tasks
            SET state = u.c_state,
                result = CASE WHEN u.c_state = 'completed' THEN json(u.c_result) ELSE tasks.result END,
                errors = CASE WHEN u.c_error IS NULL THEN tasks.errors
                              ELSE json_insert(tasks.errors, '$[#]', json(u.c_error)) END,
                run_at = coalesce(u.c_run_at, tasks.run_at),
                max_attempts = tasks.max_attempts + u.c_extra,
                finished_at = u.c_finished_at,
                worker_id = NULL,
                lease_expires_at = NULL
            FROM u
            WHERE tasks.id = u.c_id AND tasks.attempt = u.c_attempt AND tasks.state = 'running'
            RETURNING id, job_id IS NOT NULL, state
            """
        }
        var binds: [SQLiteData] = []
        binds.reserveCapacity(completions.count * 8)
        for completion in completions {
            binds.append(.integer(Int(completion.id)))
            binds.append(.integer(completion.attempt))
            binds.append(.text(completion.state.rawValue))
            binds.append(completion.result.map { .text($0) } ?? .null)
            binds.append(completion.error.map { .text($0) } ?? .null)
            binds.append(completion.runAt.map(\.sqlite) ?? .null)
            binds.append(.integer(completion.extraAttempts))
            binds.append(completion.finishedAt.map(\.sqlite) ?? .null)
        }
        return SQLiteQuery(sql, binds)
    }

    static func workerRegister(_ worker: WorkerInfo, now: Date) -> SQLiteQuery {
        let queues = String(decoding: (try? JSONEncoder().encode(worker.queues)) ?? Data("[]".utf8), as: UTF8.self)
        return SQLiteQuery(
            """
            INSERT INTO workers (id, host, pid, queues, capacity, started_at, last_heartbeat_at)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
            ON CONFLICT (id) DO UPDATE SET last_heartbeat_at = excluded.last_heartbeat_at
            """,
            [
                .text(worker.id), .text(worker.host), .integer(worker.pid), .text(queues), .integer(worker.capacity),
                worker.startedAt.sqlite, now.sqlite,
            ]
        )
    }

    /// Extends the leases of the listed tasks this worker still holds; the ids are one bound JSON array.
    static func workerHeartbeat(workerID: String, taskIDs: [Int64], leaseSeconds: Double, now: Date) -> SQLiteQuery {
        let ids = "[" + taskIDs.map(String.init).joined(separator: ",") + "]"
        return SQLiteQuery(
            """
            UPDATE tasks SET lease_expires_at = ?1
            WHERE id IN (SELECT value FROM json_each(?2)) AND state = 'running' AND worker_id = ?3
            RETURNING id
            """,
            [now.addingTimeInterval(leaseSeconds).sqlite, .text(ids), .text(workerID)]
        )
    }

    /// Takes the completed tasks (ids as one JSON array) off their dependents' blockers; those with
    /// none left become available (or scheduled, if their run time is ahead). Returns their queue
    /// and new state.
    ///
    /// On PostgreSQL a trigger does this; here the driver runs it in the completion's own
    /// transaction, only when a completed task belongs to a multi-task job: SQLite would compile a
    /// trigger into every statement that sets `state`, the claim included, on every call.
    static func taskUnblockDependents(_ completed: [Int64], now: Date) -> SQLiteQuery {
        SQLiteQuery(
            """
            WITH done(id) AS (SELECT value FROM json_each(?1)),
            counts(task_id, n) AS (
                SELECT d.task_id, count(*) FROM task_dependencies d JOIN done ON d.depends_on = done.id
                GROUP BY d.task_id
            )
            UPDATE tasks
            SET blockers = blockers - (SELECT n FROM counts WHERE counts.task_id = tasks.id),
                state = CASE WHEN blockers - (SELECT n FROM counts WHERE counts.task_id = tasks.id) > 0 THEN 'blocked'
                             WHEN run_at > ?2 THEN 'scheduled'
                             ELSE 'available' END
            WHERE state = 'blocked' AND id IN (SELECT task_id FROM counts)
            RETURNING queue, state, id
            """,
            [.text(jsonArray(completed)), now.sqlite]
        )
    }

    /// Cancels the blocked tasks that depend, directly or not, on the failed tasks (ids as one JSON
    /// array), each with the reason naming the failed task. Run in the transaction that failed them.
    static func taskCancelDependents(_ failed: [Int64], now: Date) -> SQLiteQuery {
        SQLiteQuery(
            """
            WITH RECURSIVE doomed(id, root) AS (
                SELECT d.task_id, d.depends_on FROM task_dependencies d
                WHERE d.depends_on IN (SELECT value FROM json_each(?1))
                UNION
                SELECT d.task_id, doomed.root FROM task_dependencies d JOIN doomed ON d.depends_on = doomed.id
            ),
            reasons(id, reason) AS (
                SELECT doomed.id, 'cancelled: task ' || r.id || coalesce(' (' || r.name || ')', '')
                    || ', which it depends on, was ' || r.state
                FROM doomed JOIN tasks r ON r.id = doomed.root
                GROUP BY doomed.id
            )
            UPDATE tasks
            SET state = 'cancelled',
                finished_at = ?2,
                errors = json_insert(errors, '$[#]', json_object(
                    'attempt', attempt, 'at', ?2, 'error', (SELECT reason FROM reasons WHERE reasons.id = tasks.id)))
            WHERE state = 'blocked' AND id IN (SELECT id FROM reasons)
            RETURNING id
            """,
            [.text(jsonArray(failed)), now.sqlite]
        )
    }

    // MARK: Run-time fan-out

    /// The completing task's job, if this attempt still holds it.
    static func taskFanOutHeld(id: Int64, attempt: Int) -> SQLiteQuery {
        SQLiteQuery(
            "SELECT coalesce(job_id, id), owner FROM tasks WHERE id = ?1 AND attempt = ?2 AND state = 'running'",
            [.integer(Int(id)), .integer(attempt)]
        )
    }

    /// The job's tasks with these names (a JSON array).
    static func taskFanOutNamed(jobID: Int64, names: [String]) -> SQLiteQuery {
        let list = String(decoding: (try? JSONEncoder().encode(names)) ?? Data("[]".utf8), as: UTF8.self)
        return SQLiteQuery(
            """
            SELECT id, name, state FROM tasks
            WHERE (job_id = ?1 OR (id = ?1 AND job_id IS NULL)) AND name IN (SELECT value FROM json_each(?2))
            """,
            [.integer(Int(jobID)), .text(list)]
        )
    }

    // MARK: Cancellation and redrive

    static func taskFindUnheld(workerID: String, ids: [Int64]) -> SQLiteQuery {
        SQLiteQuery(
            """
            SELECT x.value FROM json_each(?1) x
            WHERE NOT EXISTS (SELECT 1 FROM tasks t WHERE t.id = x.value AND t.state = 'running' AND t.worker_id = ?2)
            """,
            [.text(jsonArray(ids)), .text(workerID)]
        )
    }

    static func taskDependencyResults(_ id: Int64) -> SQLiteQuery {
        SQLiteQuery(
            """
            SELECT t.id, t.name, t.kind, t.state, t.result
            FROM task_dependencies d JOIN tasks t ON t.id = d.depends_on
            WHERE d.task_id = ?1
            ORDER BY t.id
            """,
            [.integer(Int(id))]
        )
    }

    /// Cancels every unfinished task of the job, running ones included.
    static func jobCancel(jobID: Int64, reason: String, now: Date) -> SQLiteQuery {
        SQLiteQuery(
            """
            UPDATE tasks
            SET state = 'cancelled',
                finished_at = ?2,
                errors = json_insert(errors, '$[#]', json_object(
                    'attempt', attempt, 'at', ?2, 'error', 'cancelled: ' || ?3, 'worker', worker_id)),
                worker_id = NULL,
                lease_expires_at = NULL
            WHERE (job_id = ?1 OR (id = ?1 AND job_id IS NULL))
              AND state IN ('blocked', 'scheduled', 'available', 'running', 'retryable')
            RETURNING id
            """,
            [.integer(Int(jobID)), now.sqlite, .text(reason)]
        )
    }

    static func jobRetryTargets(jobID: Int64) -> SQLiteQuery {
        SQLiteQuery(
            """
            SELECT id FROM tasks
            WHERE (job_id = ?1 OR (id = ?1 AND job_id IS NULL)) AND state IN ('discarded', 'cancelled')
            ORDER BY id
            """,
            [.integer(Int(jobID))]
        )
    }

    /// The task, if discarded or cancelled, and its cancelled dependents, directly or not.
    static func taskRetryTargets(taskID: Int64) -> SQLiteQuery {
        SQLiteQuery(
            """
            WITH RECURSIVE targets(id) AS (
                SELECT id FROM tasks WHERE id = ?1 AND state IN ('discarded', 'cancelled')
                UNION
                SELECT d.task_id FROM task_dependencies d
                JOIN targets ON d.depends_on = targets.id
                JOIN tasks c ON c.id = d.task_id AND c.state = 'cancelled'
            )
            SELECT id FROM targets ORDER BY id
            """,
            [.integer(Int(taskID))]
        )
    }

    /// Sends tasks back to run with a fresh attempt budget: `blocked` while a dependency is
    /// unfinished, else available.
    static func taskRedrive(_ ids: [Int64], now: Date) -> SQLiteQuery {
        SQLiteQuery(
            """
            WITH pending(task_id, n) AS (
                SELECT d.task_id, count(*) FROM task_dependencies d JOIN tasks p ON p.id = d.depends_on
                WHERE d.task_id IN (SELECT value FROM json_each(?1)) AND p.state <> 'completed'
                GROUP BY d.task_id
            )
            UPDATE tasks
            SET state = CASE WHEN coalesce((SELECT n FROM pending WHERE task_id = tasks.id), 0) > 0 THEN 'blocked'
                             ELSE 'available' END,
                blockers = coalesce((SELECT n FROM pending WHERE task_id = tasks.id), 0),
                max_attempts = attempt + coalesce(attempt_budget, max_attempts),
                run_at = ?2,
                finished_at = NULL,
                progress = NULL,
                progress_message = NULL,
                redriven_at = ?2
            WHERE id IN (SELECT value FROM json_each(?1)) AND state IN ('discarded', 'cancelled')
            RETURNING queue, state, id
            """,
            [.text(jsonArray(ids)), now.sqlite]
        )
    }

    // MARK: Artifacts

    static func artifactRegister(taskID: Int64, attempt: Int, artifact: StoredArtifact, now: Date) -> SQLiteQuery {
        SQLiteQuery(
            """
            INSERT INTO artifacts (task_id, name, job_id, owner, storage_key, content_type, size, sha256, attempt,
                                   created_at)
            SELECT id, ?3, coalesce(job_id, id), owner, ?4, ?5, ?6, ?7, attempt, ?8 FROM tasks
            WHERE id = ?1 AND attempt = ?2 AND state = 'running'
            ON CONFLICT (task_id, name) DO UPDATE
            SET storage_key = excluded.storage_key, content_type = excluded.content_type, size = excluded.size,
                sha256 = excluded.sha256, attempt = excluded.attempt, created_at = excluded.created_at
            RETURNING task_id
            """,
            [
                .integer(Int(taskID)), .integer(attempt), .text(artifact.key.name), .text(artifact.key.storageKey),
                .text(artifact.contentType), .integer(artifact.size), .text(artifact.sha256), now.sqlite,
            ]
        )
    }

    static func artifactList(jobID: Int64) -> SQLiteQuery {
        SQLiteQuery(
            """
            SELECT job_id, task_id, name, storage_key, content_type, size, sha256, attempt, created_at
            FROM artifacts WHERE job_id = ?1
            ORDER BY task_id, name
            """,
            [.integer(Int(jobID))]
        )
    }

    /// A list of ids as one bound JSON array.
    private static func jsonArray(_ ids: [Int64]) -> String {
        "[" + ids.map(String.init).joined(separator: ",") + "]"
    }

    // MARK: Maintenance

    /// Running tasks whose lease has expired, oldest expiry first.
    static func taskRescueExpiredSelect(now: Date, limit: Int) -> SQLiteQuery {
        SQLiteQuery(
            """
            SELECT id, attempt, max_attempts, worker_id FROM tasks
            WHERE state = 'running' AND lease_expires_at < ?1
            ORDER BY lease_expires_at
            LIMIT ?2
            """,
            [now.sqlite, .integer(limit)]
        )
    }

    /// Turns the selected tasks into retries or dead letters, still fenced by attempt.
    static func taskRescueExpiredUpdate(_ rescues: ArraySlice<RescueRow>) -> SQLiteQuery {
        let sql = text("taskRescueExpiredUpdate", rows: rescues.count) {
            """
            WITH u(c_id, c_attempt, c_state, c_run_at, c_finished_at, c_error) AS (
                VALUES \(rows(rescues.count, "(?, ?, ?, ?, ?, ?)"))
            )
            UPDATE tasks
            SET state = u.c_state,
                run_at = coalesce(u.c_run_at, tasks.run_at),
                finished_at = u.c_finished_at,
                errors = json_insert(tasks.errors, '$[#]', json(u.c_error)),
                worker_id = NULL,
                lease_expires_at = NULL
            FROM u
            WHERE tasks.id = u.c_id AND tasks.attempt = u.c_attempt AND tasks.state = 'running'
            RETURNING state, id, job_id IS NOT NULL
            """
        }
        var binds: [SQLiteData] = []
        binds.reserveCapacity(rescues.count * 6)
        for rescue in rescues {
            binds.append(.integer(Int(rescue.id)))
            binds.append(.integer(rescue.attempt))
            binds.append(.text(rescue.state.rawValue))
            binds.append(rescue.runAt.map(\.sqlite) ?? .null)
            binds.append(rescue.finishedAt.map(\.sqlite) ?? .null)
            binds.append(.text(rescue.error))
        }
        return SQLiteQuery(sql, binds)
    }

    static func taskPromoteDue(now: Date, limit: Int) -> SQLiteQuery {
        SQLiteQuery(
            """
            UPDATE tasks SET state = 'available'
            WHERE id IN (
                SELECT id FROM tasks
                WHERE state IN ('scheduled', 'retryable') AND run_at <= ?1
                ORDER BY run_at
                LIMIT ?2
            )
            RETURNING queue, id, job_id IS NOT NULL
            """,
            [now.sqlite, .integer(limit)]
        )
    }

    /// Deletes finished tasks past their retention; returns the job of each task of a multi-task job.
    static func taskPrune(completedBefore: Date, failedBefore: Date, limit: Int) -> SQLiteQuery {
        SQLiteQuery(
            """
            DELETE FROM tasks
            WHERE id IN (
                SELECT id FROM tasks
                WHERE state IN ('completed', 'discarded', 'cancelled')
                  AND finished_at < max(?1, ?2)
                  AND ((state <> 'discarded' AND finished_at < ?1) OR (state = 'discarded' AND finished_at < ?2))
                LIMIT ?3
            )
            RETURNING job_id, id
            """,
            [completedBefore.sqlite, failedBefore.sqlite, .integer(limit)]
        )
    }

    /// Deletes the dependency rows of deleted tasks; the ids are one bound JSON array.
    static func taskPruneDependencies(_ taskIDs: [Int64]) -> SQLiteQuery {
        SQLiteQuery(
            """
            DELETE FROM task_dependencies
            WHERE task_id IN (SELECT value FROM json_each(?1)) OR depends_on IN (SELECT value FROM json_each(?1))
            """,
            [.text(jsonArray(taskIDs))]
        )
    }

    /// Deletes the listed jobs that no longer have any task; the ids are one bound JSON array.
    static func taskPruneJobs(_ jobIDs: [Int64]) -> SQLiteQuery {
        let ids = "[" + jobIDs.map(String.init).joined(separator: ",") + "]"
        return SQLiteQuery(
            """
            DELETE FROM jobs
            WHERE id IN (SELECT value FROM json_each(?1))
              AND NOT EXISTS (SELECT 1 FROM tasks t WHERE t.job_id = jobs.id)
            """,
            [.text(ids)]
        )
    }

    static func leaderAttemptElect(name: String, leaderID: String, ttlSeconds: Double, now: Date) -> SQLiteQuery {
        SQLiteQuery(
            """
            INSERT INTO leader (name, leader_id, elected_at, expires_at) VALUES (?1, ?2, ?3, ?4)
            ON CONFLICT (name) DO UPDATE
            SET leader_id = excluded.leader_id,
                expires_at = excluded.expires_at,
                elected_at = CASE WHEN leader.leader_id = excluded.leader_id THEN leader.elected_at
                                  ELSE excluded.elected_at END
            WHERE leader.leader_id = excluded.leader_id OR leader.expires_at < excluded.elected_at
            RETURNING leader_id
            """,
            [.text(name), .text(leaderID), now.sqlite, now.addingTimeInterval(ttlSeconds).sqlite]
        )
    }

    static func taskReportProgress(id: Int64, attempt: Int, percent: Int, message: String?) -> SQLiteQuery {
        SQLiteQuery(
            """
            UPDATE tasks SET progress = ?1, progress_message = ?2
            WHERE id = ?3 AND attempt = ?4 AND state = 'running'
            RETURNING id, job_id IS NOT NULL
            """,
            [.integer(percent), message.map { .text($0) } ?? .null, .integer(Int(id)), .integer(attempt)]
        )
    }

    static func leaderResign(name: String, leaderID: String) -> SQLiteQuery {
        SQLiteQuery("DELETE FROM leader WHERE name = ?1 AND leader_id = ?2", [.text(name), .text(leaderID)])
    }

    // MARK: Job events

    /// Records the current row of each listed task that belongs to a job (job_id set) in the job
    /// event log, in id order; returns the jobs whose log grew. Run in the transaction of the change.
    static func jobEventRecord(_ taskIDs: [Int64], now: Date) -> SQLiteQuery {
        SQLiteQuery(
            """
            INSERT INTO job_events (job_id, task_id, name, state, attempt, progress, progress_message, error, at)
            SELECT job_id, id, name, state, attempt, progress, progress_message,
                   json_extract(errors, '$[#-1].error'), ?2
            FROM tasks
            WHERE id IN (SELECT value FROM json_each(?1)) AND job_id IS NOT NULL
            ORDER BY id
            RETURNING job_id
            """,
            [.text(jsonArray(taskIDs)), now.sqlite]
        )
    }

    static func jobEventCount(jobID: Int64) -> SQLiteQuery {
        SQLiteQuery("SELECT count(*) FROM job_events WHERE job_id = ?1", [.integer(Int(jobID))])
    }

    static func jobEventList(jobID: Int64, offset: Int, limit: Int) -> SQLiteQuery {
        SQLiteQuery(
            """
            SELECT task_id, name, state, attempt, progress, progress_message, error, at
            FROM job_events WHERE job_id = ?1
            ORDER BY id
            LIMIT ?3 OFFSET ?2
            """,
            [.integer(Int(jobID)), .integer(offset), .integer(limit)]
        )
    }

    /// Deletes the logs of the listed jobs that no longer have any task: a log goes whole, never
    /// in part, so positions in it never shift.
    static func taskPruneJobEvents(_ jobIDs: [Int64]) -> SQLiteQuery {
        SQLiteQuery(
            """
            DELETE FROM job_events
            WHERE job_id IN (
                SELECT value FROM json_each(?1)
                WHERE NOT EXISTS (SELECT 1 FROM tasks t WHERE t.job_id = value))
            """,
            [.text(jsonArray(jobIDs))]
        )
    }

    // MARK: Reads

    static func taskGet(_ id: Int64) -> SQLiteQuery {
        SQLiteQuery("SELECT \(taskColumns) FROM tasks WHERE id = ?1", [.integer(Int(id))])
    }

    static func jobGetTasks(_ id: Int64) -> SQLiteQuery {
        SQLiteQuery(
            """
            SELECT \(taskColumns) FROM tasks
            WHERE job_id = ?1
            UNION ALL
            SELECT \(taskColumns) FROM tasks
            WHERE id = ?1 AND job_id IS NULL
            ORDER BY 1
            """,
            [.integer(Int(id))]
        )
    }

    static func jobGetRow(_ id: Int64) -> SQLiteQuery {
        SQLiteQuery(
            "SELECT owner, kind, idempotency_key, created_at, metadata FROM jobs WHERE id = ?1", [.integer(Int(id))])
    }

    /// A page of job heads, newest first: single-task jobs (`job_id IS NULL`) and jobs with a row,
    /// merged by id; then, per job, its tasks' states, the progress its running tasks reported and
    /// its last finish time.
    static func jobList(owner: String?, kind: String?, before: Int64, limit: Int) -> SQLiteQuery {
        SQLiteQuery(
            """
            WITH page AS (
                SELECT id, owner, kind, created_at FROM (
                    SELECT * FROM (
                        SELECT t.id, t.owner, t.kind, t.created_at FROM tasks t
                        WHERE t.job_id IS NULL AND t.id < ?1 AND (?2 IS NULL OR t.owner = ?2)
                          AND (?3 IS NULL OR t.kind = ?3)
                        ORDER BY t.id DESC LIMIT ?4)
                    UNION ALL
                    SELECT * FROM (
                        SELECT j.id, j.owner, j.kind, j.created_at FROM jobs j
                        WHERE j.id < ?1 AND (?2 IS NULL OR j.owner = ?2) AND (?3 IS NULL OR j.kind = ?3)
                        ORDER BY j.id DESC LIMIT ?4)
                )
                ORDER BY id DESC LIMIT ?4
            )
            SELECT page.id, page.owner, page.kind, page.created_at,
                   (SELECT json_group_array(t.state) FROM tasks t
                    WHERE t.job_id = page.id OR (t.id = page.id AND t.job_id IS NULL)),
                   (SELECT coalesce(sum(t.progress), 0) FROM tasks t
                    WHERE (t.job_id = page.id OR (t.id = page.id AND t.job_id IS NULL)) AND t.state = 'running'),
                   (SELECT max(t.finished_at) FROM tasks t
                    WHERE t.job_id = page.id OR (t.id = page.id AND t.job_id IS NULL))
            FROM page
            ORDER BY page.id DESC
            """,
            [
                .integer(Int(before)), owner.map { .text($0) } ?? .null, kind.map { .text($0) } ?? .null,
                .integer(limit),
            ]
        )
    }

    // MARK: Tokens

    static func tokenInsert(owner: String, role: String, sha256: String, label: String?, now: Date) -> SQLiteQuery {
        SQLiteQuery(
            """
            INSERT INTO tokens (owner, role, sha256, label, created_at) VALUES (?1, ?2, ?3, ?4, ?5)
            RETURNING id, owner, role, label, created_at, revoked_at
            """,
            [.text(owner), .text(role), .text(sha256), label.map { .text($0) } ?? .null, now.sqlite]
        )
    }

    static func tokenFindActive(sha256: String) -> SQLiteQuery {
        SQLiteQuery(
            """
            SELECT id, owner, role, label, created_at, revoked_at FROM tokens
            WHERE sha256 = ?1 AND revoked_at IS NULL
            """,
            [.text(sha256)]
        )
    }

    static func tokenRevoke(id: Int64?, sha256: String?, now: Date) -> SQLiteQuery {
        SQLiteQuery(
            """
            UPDATE tokens SET revoked_at = ?3
            WHERE (id = ?1 OR sha256 = ?2) AND revoked_at IS NULL
            RETURNING id
            """,
            [id.map { .integer(Int($0)) } ?? .null, sha256.map { .text($0) } ?? .null, now.sqlite]
        )
    }

    static let tokenList = SQLiteQuery(
        "SELECT id, owner, role, label, created_at, revoked_at FROM tokens ORDER BY id"
    )

    static func workerUnregister(_ id: String) -> SQLiteQuery {
        SQLiteQuery("DELETE FROM workers WHERE id = ?1", [.text(id)])
    }

    static let workerList = SQLiteQuery(
        """
        SELECT id, host, pid, queues, capacity, started_at, last_heartbeat_at
        FROM workers ORDER BY started_at, id
        """
    )

    /// One count per state, so each reads its own partial index and finished rows are never scanned.
    static func statsQueues(since: Date, now: Date) -> SQLiteQuery {
        SQLiteQuery(
            """
            SELECT queue, 'available', count(*) FROM tasks WHERE state = 'available' GROUP BY queue
            UNION ALL
            SELECT queue, state, count(*) FROM tasks WHERE state IN ('scheduled', 'retryable') GROUP BY queue, state
            UNION ALL
            SELECT queue, 'running', count(*) FROM tasks WHERE state = 'running' GROUP BY queue
            UNION ALL
            SELECT queue, 'blocked', count(*) FROM tasks WHERE state = 'blocked' GROUP BY queue
            UNION ALL
            SELECT queue, state, count(*) FROM tasks
            WHERE state IN ('completed', 'discarded', 'cancelled') AND finished_at >= ?1
            GROUP BY queue, state
            UNION ALL
            SELECT queue, 'expired', count(*) FROM tasks
            WHERE state = 'running' AND lease_expires_at < ?2
            GROUP BY queue
            UNION ALL
            SELECT queue, 'dead', count(*) FROM tasks WHERE state = 'discarded' GROUP BY queue
            """,
            [since.sqlite, now.sqlite]
        )
    }
}

/// One outcome, flattened to the columns of ``SQLiteQueries/taskCompleteMany(_:)``, with what
/// depends on "now" worked out: a retry or snooze already due is `available` at once.
struct CompletionRow: Sendable {
    var id: Int64
    var attempt: Int
    var state: TaskState
    var result: String?
    var error: String?
    /// The next attempt's time for a retry or snooze; nil keeps the task's run_at.
    var runAt: Date?
    var extraAttempts: Int
    var finishedAt: Date?

    init(_ completion: TaskCompletion, now: Date) {
        id = completion.id.rawValue
        attempt = completion.attempt
        result = nil
        error = nil
        runAt = nil
        extraAttempts = 0
        switch completion.outcome {
        case .completed(let output):
            state = .completed
            result = output
        case .retry(let at, let failure):
            state = at <= now ? .available : .retryable
            runAt = at
            error = failure.storageJSON
        case .discarded(let failure):
            state = .discarded
            error = failure.storageJSON
        case .snoozed(let until):
            state = until <= now ? .available : .scheduled
            runAt = until
            extraAttempts = 1
        case .released:
            state = .available
            extraAttempts = 1
        case .cancelled(let failure):
            state = .cancelled
            error = failure.storageJSON
        }
        finishedAt = state.isFinished ? now : nil
    }
}

/// One rescued task, flattened to the columns of ``SQLiteQueries/taskRescueExpiredUpdate(_:)``.
struct RescueRow: Sendable {
    var id: Int64
    var attempt: Int
    /// `retryable` or `discarded`.
    var state: TaskState
    /// The next attempt's time; nil for a dead letter.
    var runAt: Date?
    /// Set for a dead letter.
    var finishedAt: Date?
    /// The attempt's error entry, as stored JSON.
    var error: String
}

extension Date {
    /// The stored form of a time: REAL seconds since 1970.
    var sqlite: SQLiteData { .float(timeIntervalSince1970) }
}
