/// The schema, as numbered, append-only migrations. Never edit one that has shipped: add another.
///
/// It mirrors the PostgreSQL schema with SQLite types: times are REAL seconds since 1970 (UTC),
/// JSON is TEXT, a list (a worker's queues) is a JSON array. Tables are STRICT, so a wrongly typed
/// value is an error instead of being stored as something else.
enum SQLiteMigrations {
    struct Migration {
        var version: Int
        var name: String
        var statements: [String]
    }

    static let all: [Migration] = [
        Migration(
            version: 1,
            name: "jobs, tasks, workers, queues, leader",
            statements: [
                """
                CREATE TABLE jobs (
                    id INTEGER PRIMARY KEY,
                    owner TEXT NOT NULL DEFAULT '',
                    kind TEXT NOT NULL,
                    idempotency_key TEXT,
                    task_count INTEGER NOT NULL,
                    created_at REAL NOT NULL
                ) STRICT
                """,
                """
                CREATE UNIQUE INDEX jobs_owner_idempotency_key ON jobs (owner, idempotency_key)
                    WHERE idempotency_key IS NOT NULL
                """,
                // One id space for jobs and tasks, as on PostgreSQL: AUTOINCREMENT never reuses an id,
                // and a multi-task job takes its id from the same counter (sqlite_sequence).
                // `job_id` is NULL for a single-task job, whose id is its task's id: no jobs row, no
                // second write.
                """
                CREATE TABLE tasks (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    job_id INTEGER,
                    owner TEXT NOT NULL DEFAULT '',
                    kind TEXT NOT NULL,
                    queue TEXT NOT NULL,
                    state TEXT NOT NULL CHECK (state IN
                        ('blocked', 'scheduled', 'available', 'running', 'retryable', 'completed', 'discarded',
                         'cancelled')),
                    priority INTEGER NOT NULL DEFAULT 0,
                    input TEXT NOT NULL,
                    result TEXT,
                    errors TEXT NOT NULL DEFAULT '[]',
                    attempt INTEGER NOT NULL DEFAULT 0,
                    max_attempts INTEGER NOT NULL,
                    run_at REAL NOT NULL,
                    worker_id TEXT,
                    lease_expires_at REAL,
                    created_at REAL NOT NULL,
                    attempted_at REAL,
                    finished_at REAL
                ) STRICT
                """,
                "INSERT INTO sqlite_sequence (name, seq) VALUES ('tasks', 0)",
                // The claim reads only available rows, in claim order: finished rows never enter it.
                """
                CREATE INDEX tasks_claim ON tasks (queue, priority, run_at, id)
                    WHERE state = 'available'
                """,
                "CREATE INDEX tasks_due ON tasks (run_at) WHERE state IN ('scheduled', 'retryable')",
                "CREATE INDEX tasks_lease ON tasks (lease_expires_at) WHERE state = 'running'",
                // Only tasks of multi-task jobs: a single-task job is found by its task's primary key.
                "CREATE INDEX tasks_job ON tasks (job_id) WHERE job_id IS NOT NULL",
                // Covers the finished counts of the stats as well as pruning.
                """
                CREATE INDEX tasks_finished ON tasks (finished_at, queue, state)
                    WHERE state IN ('completed', 'discarded', 'cancelled')
                """,
                // Empty until tasks have dependencies; lets the stats count blocked tasks without a scan.
                "CREATE INDEX tasks_blocked ON tasks (queue) WHERE state = 'blocked'",
                """
                CREATE TABLE workers (
                    id TEXT PRIMARY KEY,
                    host TEXT NOT NULL,
                    pid INTEGER NOT NULL,
                    queues TEXT NOT NULL,
                    capacity INTEGER NOT NULL,
                    started_at REAL NOT NULL,
                    last_heartbeat_at REAL NOT NULL
                ) STRICT
                """,
                """
                CREATE TABLE queues (
                    name TEXT PRIMARY KEY,
                    paused INTEGER NOT NULL DEFAULT 0,
                    concurrency_limit INTEGER,
                    timeout_ms INTEGER,
                    max_attempts INTEGER,
                    updated_at REAL NOT NULL
                ) STRICT
                """,
                """
                CREATE TABLE leader (
                    name TEXT PRIMARY KEY,
                    leader_id TEXT NOT NULL,
                    elected_at REAL NOT NULL,
                    expires_at REAL NOT NULL
                ) STRICT
                """,
            ]
        ),
        Migration(
            version: 2,
            name: "task progress",
            statements: [
                "ALTER TABLE tasks ADD COLUMN progress INTEGER",
                "ALTER TABLE tasks ADD COLUMN progress_message TEXT",
            ]
        ),
        Migration(
            version: 3,
            name: "dependencies, redrive, artifacts",
            statements: [
                // `blockers` counts the dependencies not yet completed; `attempt_budget` is the max
                // attempts given at enqueue, which a redrive grants again.
                "ALTER TABLE tasks ADD COLUMN name TEXT",
                "ALTER TABLE tasks ADD COLUMN blockers INTEGER NOT NULL DEFAULT 0",
                "ALTER TABLE tasks ADD COLUMN attempt_budget INTEGER",
                "ALTER TABLE tasks ADD COLUMN redriven_at REAL",
                "CREATE UNIQUE INDEX tasks_job_name ON tasks (job_id, name) WHERE name IS NOT NULL",
                """
                CREATE TABLE task_dependencies (
                    depends_on INTEGER NOT NULL,
                    task_id INTEGER NOT NULL,
                    PRIMARY KEY (depends_on, task_id)
                ) STRICT, WITHOUT ROWID
                """,
                "CREATE INDEX task_dependencies_task ON task_dependencies (task_id)",
                """
                CREATE TABLE artifacts (
                    task_id INTEGER NOT NULL,
                    name TEXT NOT NULL,
                    job_id INTEGER NOT NULL,
                    owner TEXT NOT NULL,
                    storage_key TEXT NOT NULL,
                    content_type TEXT NOT NULL,
                    size INTEGER NOT NULL,
                    sha256 TEXT NOT NULL,
                    attempt INTEGER NOT NULL,
                    created_at REAL NOT NULL,
                    PRIMARY KEY (task_id, name)
                ) STRICT
                """,
                "CREATE INDEX artifacts_job ON artifacts (job_id)",
            ]
        ),
        Migration(
            version: 4,
            name: "flow control: resources, rate limits, fair share, peak windows",
            statements: [
                "ALTER TABLE queues ADD COLUMN rate_limit INTEGER",
                "ALTER TABLE queues ADD COLUMN rate_interval_ms INTEGER",
                "ALTER TABLE queues ADD COLUMN fair_share INTEGER NOT NULL DEFAULT 0",
                "ALTER TABLE queues ADD COLUMN peak_start_minute INTEGER",
                "ALTER TABLE queues ADD COLUMN peak_end_minute INTEGER",
                "ALTER TABLE queues ADD COLUMN peak_multiplier REAL",
                "ALTER TABLE queues ADD COLUMN peak_time_zone TEXT",
                """
                CREATE TABLE resources (
                    name TEXT PRIMARY KEY,
                    concurrency_limit INTEGER,
                    rate_limit INTEGER,
                    rate_interval_ms INTEGER,
                    peak_start_minute INTEGER,
                    peak_end_minute INTEGER,
                    peak_multiplier REAL,
                    peak_time_zone TEXT,
                    updated_at REAL NOT NULL
                ) STRICT
                """,
                // A JSON array of names; NULL for a task that uses no resource.
                "ALTER TABLE tasks ADD COLUMN resources TEXT",
                // A task reserved to start when a running one of the same worker returns (a hand-over of
                // its place): the one it follows, by id and attempt. While that one runs, the pair holds
                // one place.
                "ALTER TABLE tasks ADD COLUMN follows INTEGER",
                "ALTER TABLE tasks ADD COLUMN follows_attempt INTEGER",
                // Only tasks that use resources are indexed: tells a producer its queue needs the limited claim.
                "CREATE INDEX tasks_resources ON tasks (queue) WHERE state = 'available' AND resources IS NOT NULL",
                // Fair share walks the owners of a queue and each owner's tasks in claim order; tasks
                // without an owner are not indexed, so queues of unowned tasks pay nothing for it.
                """
                CREATE INDEX tasks_fair ON tasks (queue, owner, priority, run_at, id)
                    WHERE state = 'available' AND owner <> ''
                """,
                // Task starts under a rate limit, per scope ('q:' queue or 'r:' resource), one row per claim.
                """
                CREATE TABLE flow_starts (
                    scope TEXT NOT NULL,
                    started_at REAL NOT NULL,
                    count INTEGER NOT NULL
                ) STRICT
                """,
                "CREATE INDEX flow_starts_scope ON flow_starts (scope, started_at)",
            ]
        ),
        Migration(
            version: 5,
            name: "access tokens, request fingerprints",
            statements: [
                // Only the SHA-256 of a token is stored: a leaked file leaks no token.
                """
                CREATE TABLE tokens (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    owner TEXT NOT NULL,
                    role TEXT NOT NULL CHECK (role IN ('owner', 'admin')),
                    sha256 TEXT NOT NULL UNIQUE,
                    label TEXT,
                    created_at REAL NOT NULL,
                    revoked_at REAL
                ) STRICT
                """,
                "ALTER TABLE jobs ADD COLUMN request_sha256 TEXT",
                "ALTER TABLE jobs ADD COLUMN metadata TEXT",
            ]
        ),
        Migration(
            version: 6,
            name: "job event log",
            statements: [
                // The feed of a job's changes, for tasks of jobs that have a job row (job_id set).
                // Written by the driver in the transaction of each change, never by a trigger (a
                // trigger would be compiled into every statement that sets `state`, the claim
                // included). One writer at a time: `id` order is commit order.
                """
                CREATE TABLE job_events (
                    id INTEGER PRIMARY KEY,
                    job_id INTEGER NOT NULL,
                    task_id INTEGER NOT NULL,
                    name TEXT,
                    state TEXT NOT NULL,
                    attempt INTEGER NOT NULL,
                    progress INTEGER,
                    progress_message TEXT,
                    error TEXT,
                    at REAL NOT NULL
                ) STRICT
                """,
                "CREATE INDEX job_events_job ON job_events (job_id, id)",
            ]
        ),
    ]
}
