/// The schema, as numbered, append-only migrations. Never edit one that has shipped: add another.
///
/// `{schema}` stands for the configured schema name, which is checked to be a plain identifier.
enum PostgresMigrations {
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
                CREATE TYPE {schema}.task_state AS ENUM
                    ('blocked', 'scheduled', 'available', 'running', 'retryable', 'completed', 'discarded', 'cancelled')
                """,
                // One id space for jobs and tasks: a single-task job takes its task's id.
                "CREATE SEQUENCE {schema}.ids",
                """
                CREATE TABLE {schema}.jobs (
                    id bigint PRIMARY KEY,
                    owner text NOT NULL DEFAULT '',
                    kind text NOT NULL,
                    idempotency_key text,
                    task_count integer NOT NULL,
                    created_at timestamptz NOT NULL DEFAULT now()
                )
                """,
                """
                CREATE UNIQUE INDEX jobs_owner_idempotency_key ON {schema}.jobs (owner, idempotency_key)
                    WHERE idempotency_key IS NOT NULL
                """,
                """
                CREATE TABLE {schema}.tasks (
                    id bigint PRIMARY KEY,
                    job_id bigint NOT NULL,
                    owner text NOT NULL DEFAULT '',
                    kind text NOT NULL,
                    queue text NOT NULL,
                    state {schema}.task_state NOT NULL,
                    priority smallint NOT NULL DEFAULT 0,
                    input jsonb NOT NULL,
                    result jsonb,
                    errors jsonb NOT NULL DEFAULT '[]',
                    attempt smallint NOT NULL DEFAULT 0,
                    max_attempts smallint NOT NULL,
                    run_at timestamptz NOT NULL DEFAULT now(),
                    worker_id text,
                    lease_expires_at timestamptz,
                    created_at timestamptz NOT NULL DEFAULT now(),
                    attempted_at timestamptz,
                    finished_at timestamptz
                )
                """,
                // The claim reads only available rows, in claim order: finished rows never enter it.
                """
                CREATE INDEX tasks_claim ON {schema}.tasks (queue, priority, run_at, id)
                    WHERE state = 'available'
                """,
                "CREATE INDEX tasks_due ON {schema}.tasks (run_at) WHERE state IN ('scheduled', 'retryable')",
                "CREATE INDEX tasks_lease ON {schema}.tasks (lease_expires_at) WHERE state = 'running'",
                // Only tasks of multi-task jobs: a single-task job is found by its task's primary key.
                "CREATE INDEX tasks_job ON {schema}.tasks (job_id) WHERE job_id <> id",
                """
                CREATE INDEX tasks_finished ON {schema}.tasks (finished_at)
                    WHERE state IN ('completed', 'discarded', 'cancelled')
                """,
                """
                CREATE TABLE {schema}.workers (
                    id text PRIMARY KEY,
                    host text NOT NULL,
                    pid integer NOT NULL,
                    queues text[] NOT NULL,
                    capacity integer NOT NULL,
                    started_at timestamptz NOT NULL,
                    last_heartbeat_at timestamptz NOT NULL
                )
                """,
                """
                CREATE TABLE {schema}.queues (
                    name text PRIMARY KEY,
                    paused boolean NOT NULL DEFAULT false,
                    concurrency_limit integer,
                    timeout_ms bigint,
                    max_attempts smallint,
                    updated_at timestamptz NOT NULL DEFAULT now()
                )
                """,
                """
                CREATE TABLE {schema}.leader (
                    name text PRIMARY KEY,
                    leader_id text NOT NULL,
                    elected_at timestamptz NOT NULL,
                    expires_at timestamptz NOT NULL
                )
                """,
            ]
        ),
        Migration(
            version: 2,
            name: "task progress",
            statements: [
                "ALTER TABLE {schema}.tasks ADD COLUMN progress smallint, ADD COLUMN progress_message text"
            ]
        ),
    ]
}
