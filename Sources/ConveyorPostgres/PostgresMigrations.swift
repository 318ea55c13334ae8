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
        Migration(
            version: 3,
            name: "dependencies, redrive, artifacts",
            statements: [
                // `blockers` counts the dependencies not yet completed: a blocked task becomes
                // available when it reaches 0. `attempt_budget` is the max attempts given at enqueue,
                // which a redrive grants again.
                """
                ALTER TABLE {schema}.tasks
                    ADD COLUMN name text,
                    ADD COLUMN blockers integer NOT NULL DEFAULT 0,
                    ADD COLUMN attempt_budget smallint,
                    ADD COLUMN redriven_at timestamptz
                """,
                "CREATE UNIQUE INDEX tasks_job_name ON {schema}.tasks (job_id, name) WHERE name IS NOT NULL",
                """
                CREATE TABLE {schema}.task_dependencies (
                    depends_on bigint NOT NULL,
                    task_id bigint NOT NULL,
                    PRIMARY KEY (depends_on, task_id)
                )
                """,
                "CREATE INDEX task_dependencies_task ON {schema}.task_dependencies (task_id)",
                // When a task of a multi-task job completes, its dependents lose a blocker (the row
                // lock of UPDATE makes concurrent completions count exactly) and those at 0 become
                // available, with a wake-up for their queue. When it is discarded or cancelled, every
                // blocked task that depends on it, directly or not, is cancelled with the reason.
                // A trigger, so every path that finishes a task (completion, rescue, cancellation)
                // does this in its own transaction; single-task jobs (job_id = id) never fire it.
                """
                CREATE FUNCTION {schema}.task_settled() RETURNS trigger LANGUAGE plpgsql AS $fn$
                DECLARE
                    woken text;
                BEGIN
                    IF NEW.state = 'completed' THEN
                        FOR woken IN
                            WITH unblocked AS (
                                UPDATE {schema}.tasks t
                                SET blockers = t.blockers - 1,
                                    state = (CASE WHEN t.blockers > 1 THEN 'blocked'
                                                  WHEN t.run_at > now() THEN 'scheduled'
                                                  ELSE 'available' END)::{schema}.task_state
                                FROM {schema}.task_dependencies d
                                WHERE d.depends_on = NEW.id AND t.id = d.task_id AND t.state = 'blocked'
                                RETURNING t.queue, t.state
                            )
                            SELECT DISTINCT queue FROM unblocked WHERE state = 'available'
                        LOOP
                            PERFORM pg_notify('{schema}_work', woken);
                        END LOOP;
                    ELSE
                        WITH RECURSIVE doomed(id) AS (
                            SELECT d.task_id FROM {schema}.task_dependencies d WHERE d.depends_on = NEW.id
                            UNION
                            SELECT d.task_id FROM {schema}.task_dependencies d JOIN doomed ON d.depends_on = doomed.id
                        )
                        UPDATE {schema}.tasks t
                        SET state = 'cancelled',
                            finished_at = now(),
                            errors = t.errors || jsonb_build_array(jsonb_build_object(
                                'attempt', t.attempt,
                                'at', extract(epoch FROM now()),
                                'error', 'cancelled: task ' || NEW.id || coalesce(' (' || NEW.name || ')', '')
                                    || ', which it depends on, was ' || NEW.state::text))
                        FROM doomed
                        WHERE t.id = doomed.id AND t.state = 'blocked';
                    END IF;
                    RETURN NULL;
                END
                $fn$
                """,
                """
                CREATE TRIGGER tasks_settled AFTER UPDATE OF state ON {schema}.tasks
                FOR EACH ROW
                WHEN (NEW.job_id <> NEW.id AND OLD.state IS DISTINCT FROM NEW.state
                      AND NEW.state IN ('completed', 'discarded', 'cancelled'))
                EXECUTE FUNCTION {schema}.task_settled()
                """,
                """
                CREATE TABLE {schema}.artifacts (
                    task_id bigint NOT NULL,
                    name text NOT NULL,
                    job_id bigint NOT NULL,
                    owner text NOT NULL,
                    storage_key text NOT NULL,
                    content_type text NOT NULL,
                    size bigint NOT NULL,
                    sha256 text NOT NULL,
                    attempt smallint NOT NULL,
                    created_at timestamptz NOT NULL DEFAULT now(),
                    PRIMARY KEY (task_id, name)
                )
                """,
                "CREATE INDEX artifacts_job ON {schema}.artifacts (job_id)",
            ]
        ),
        // Version 4 belongs to flow control.
        Migration(
            version: 5,
            name: "access tokens, request fingerprints, owner row-level security",
            statements: [
                // Only the SHA-256 of a token is stored: a leaked table leaks no token.
                """
                CREATE TABLE {schema}.tokens (
                    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                    owner text NOT NULL,
                    role text NOT NULL CHECK (role IN ('owner', 'admin')),
                    sha256 text NOT NULL UNIQUE,
                    label text,
                    created_at timestamptz NOT NULL DEFAULT now(),
                    revoked_at timestamptz
                )
                """,
                // What an idempotent create sent, so a second request under the same key with
                // another body can be told apart from a retry.
                "ALTER TABLE {schema}.jobs ADD COLUMN request_sha256 text, ADD COLUMN metadata jsonb",
                // Row-level security, the second wall behind the HTTP service's own owner checks.
                // The service runs an owner's requests under the role {schema}_api, with the owner
                // set per transaction (set_config(..., true), so it holds behind a transaction-mode
                // pooler); that role sees only rows whose owner is the one set, and none when none
                // is set. Workers and the migrating role own the tables, and table owners bypass
                // row-level security: the hot path gains no predicate.
                """
                DO $do$ BEGIN
                    CREATE ROLE {schema}_api NOLOGIN;
                EXCEPTION WHEN duplicate_object THEN NULL;
                END $do$
                """,
                "GRANT {schema}_api TO CURRENT_USER",
                "GRANT USAGE ON SCHEMA {schema} TO {schema}_api",
                "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {schema}_api",
                "GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA {schema} TO {schema}_api",
                // Tables and sequences later migrations add are reachable the same way.
                """
                ALTER DEFAULT PRIVILEGES IN SCHEMA {schema}
                    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {schema}_api
                """,
                "ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO {schema}_api",
                // Tokens are read before any owner is known, never under the scoped role.
                "REVOKE ALL ON {schema}.tokens FROM {schema}_api",
                "ALTER TABLE {schema}.tasks ENABLE ROW LEVEL SECURITY",
                "ALTER TABLE {schema}.jobs ENABLE ROW LEVEL SECURITY",
                "ALTER TABLE {schema}.artifacts ENABLE ROW LEVEL SECURITY",
                """
                CREATE POLICY owner_scope ON {schema}.tasks TO {schema}_api
                    USING (owner = current_setting('conveyor.owner', true))
                    WITH CHECK (owner = current_setting('conveyor.owner', true))
                """,
                """
                CREATE POLICY owner_scope ON {schema}.jobs TO {schema}_api
                    USING (owner = current_setting('conveyor.owner', true))
                    WITH CHECK (owner = current_setting('conveyor.owner', true))
                """,
                """
                CREATE POLICY owner_scope ON {schema}.artifacts TO {schema}_api
                    USING (owner = current_setting('conveyor.owner', true))
                    WITH CHECK (owner = current_setting('conveyor.owner', true))
                """,
                // A role that is neither the tables' owner nor the scoped role (workers connecting
                // as an application role with grants) sees every row, as before.
                "CREATE POLICY unscoped ON {schema}.tasks USING (current_user <> '{schema}_api')",
                "CREATE POLICY unscoped ON {schema}.jobs USING (current_user <> '{schema}_api')",
                "CREATE POLICY unscoped ON {schema}.artifacts USING (current_user <> '{schema}_api')",
            ]
        ),
        Migration(
            version: 6,
            name: "job event log",
            statements: [
                // The feed of `GET /v1/jobs/{id}/events`: one row per change of a task's state,
                // attempt or progress, for tasks of jobs that have a job row (job_id <> id): a plain
                // single-task job records nothing. Rows are read in (xid, id) order and only once
                // their transaction is older than every running one, so a row never appears before
                // one already read: a reader resumes at a row count and misses nothing.
                """
                CREATE TABLE {schema}.job_events (
                    job_id bigint NOT NULL,
                    xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
                    id bigint GENERATED ALWAYS AS IDENTITY,
                    task_id bigint NOT NULL,
                    name text,
                    state text NOT NULL,
                    attempt smallint NOT NULL,
                    progress smallint,
                    progress_message text,
                    error text,
                    at timestamptz NOT NULL DEFAULT now(),
                    PRIMARY KEY (job_id, xid, id)
                )
                """,
                // Every path that changes a task (claim, completion, progress, rescue, promotion,
                // cancellation, redrive, dependents) records it in its own transaction; inserts are
                // recorded by the insert statements themselves. The WHEN clause keeps plain tasks
                // and lease extensions out: they never enter the function.
                """
                CREATE FUNCTION {schema}.task_changed() RETURNS trigger LANGUAGE plpgsql AS $fn$
                BEGIN
                    INSERT INTO {schema}.job_events
                        (job_id, task_id, name, state, attempt, progress, progress_message, error)
                    VALUES (NEW.job_id, NEW.id, NEW.name, NEW.state::text, NEW.attempt, NEW.progress,
                            NEW.progress_message, NEW.errors -> -1 ->> 'error');
                    PERFORM pg_notify('{schema}_job_events', NEW.job_id::text);
                    RETURN NULL;
                END
                $fn$
                """,
                """
                CREATE TRIGGER tasks_changed AFTER UPDATE OF state, attempt, progress, progress_message
                ON {schema}.tasks
                FOR EACH ROW
                WHEN (NEW.job_id <> NEW.id AND (OLD.state IS DISTINCT FROM NEW.state
                      OR OLD.attempt IS DISTINCT FROM NEW.attempt OR OLD.progress IS DISTINCT FROM NEW.progress
                      OR OLD.progress_message IS DISTINCT FROM NEW.progress_message))
                EXECUTE FUNCTION {schema}.task_changed()
                """,
            ]
        ),
    ]
}
