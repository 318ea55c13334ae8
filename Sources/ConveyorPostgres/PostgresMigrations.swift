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
        Migration(
            version: 4,
            name: "flow control: resources, rate limits, fair share, peak windows",
            statements: [
                """
                ALTER TABLE {schema}.queues
                    ADD COLUMN rate_limit integer,
                    ADD COLUMN rate_interval_ms bigint,
                    ADD COLUMN fair_share boolean NOT NULL DEFAULT false,
                    ADD COLUMN peak_start_minute smallint,
                    ADD COLUMN peak_end_minute smallint,
                    ADD COLUMN peak_multiplier float8,
                    ADD COLUMN peak_time_zone text
                """,
                """
                CREATE TABLE {schema}.resources (
                    name text PRIMARY KEY,
                    concurrency_limit integer,
                    rate_limit integer,
                    rate_interval_ms bigint,
                    peak_start_minute smallint,
                    peak_end_minute smallint,
                    peak_multiplier float8,
                    peak_time_zone text,
                    updated_at timestamptz NOT NULL DEFAULT now()
                )
                """,
                // A constant default: no table rewrite, and a task that uses no resource stores nothing more.
                "ALTER TABLE {schema}.tasks ADD COLUMN resources text[] NOT NULL DEFAULT '{}'",
                // A task reserved to start when a running one of the same worker returns (a hand-over of
                // its place): the one it follows, by id and attempt. While that one runs, the pair holds
                // one place.
                "ALTER TABLE {schema}.tasks ADD COLUMN follows bigint, ADD COLUMN follows_attempt smallint",
                // Only tasks that use resources are indexed: tells a producer its queue needs the limited claim.
                """
                CREATE INDEX tasks_resources ON {schema}.tasks (queue)
                    WHERE state = 'available' AND resources <> '{}'
                """,
                // Fair share walks the owners of a queue and each owner's tasks in claim order; tasks
                // without an owner are not indexed, so queues of unowned tasks pay nothing for it.
                """
                CREATE INDEX tasks_fair ON {schema}.tasks (queue, owner, priority, run_at, id)
                    WHERE state = 'available' AND owner <> ''
                """,
                // Task starts under a rate limit, per scope ('q:' queue or 'r:' resource), one row per claim.
                """
                CREATE TABLE {schema}.flow_starts (
                    scope text NOT NULL,
                    started_at timestamptz NOT NULL,
                    count integer NOT NULL
                )
                """,
                "CREATE INDEX flow_starts_scope ON {schema}.flow_starts (scope, started_at)",
                // A concurrency limit in force at a time: multiplied (rounded down) inside its daily
                // peak window, read in the window's time zone.
                """
                CREATE FUNCTION {schema}.flow_limit(
                    p_limit integer, p_start smallint, p_end smallint, p_multiplier float8, p_zone text, p_at timestamptz)
                RETURNS bigint LANGUAGE sql STABLE AS $$
                    SELECT CASE
                        WHEN p_limit IS NULL THEN NULL
                        WHEN p_start IS NULL THEN p_limit::bigint
                        WHEN CASE WHEN p_start < p_end THEN m >= p_start AND m < p_end ELSE m >= p_start OR m < p_end END
                            THEN greatest(floor(p_limit * p_multiplier), 0)::bigint
                        ELSE p_limit::bigint
                    END
                    FROM (SELECT extract(hour FROM l) * 60 + extract(minute FROM l) AS m
                          FROM (SELECT p_at AT TIME ZONE coalesce(p_zone, 'UTC') AS l) AS x) AS y
                $$
                """,
                // What holds a place: running tasks, but the claiming worker's whose handler returned
                // (their outcome is being written). A task reserved to follow one that still runs shares
                // that one's place in the queue (the pair holds one place) and holds, of its resources, only
                // those its leader does not use (queue NULL, resources without the leader's). Inlined into
                // the statement that calls it, so it counts with that statement's snapshot.
                """
                CREATE FUNCTION {schema}.flow_running(p_worker text, p_skip_ids bigint[], p_skip_attempts smallint[])
                RETURNS TABLE (queue text, owner text, resources text[]) LANGUAGE sql STABLE AS $$
                    SELECT CASE WHEN l.resources IS NULL THEN t.queue END, t.owner,
                           CASE WHEN l.resources IS NULL THEN t.resources
                                ELSE ARRAY(SELECT u FROM unnest(t.resources) AS u WHERE NOT (u = ANY(l.resources))) END
                    FROM {schema}.tasks t
                    LEFT JOIN LATERAL (
                        SELECT p.resources FROM {schema}.tasks p
                        WHERE p.id = t.follows AND p.attempt = t.follows_attempt AND p.state = 'running'
                          AND NOT (p.worker_id = p_worker
                                   AND (p.id, p.attempt) IN (SELECT s.id, s.attempt
                                                             FROM unnest(p_skip_ids, p_skip_attempts) AS s(id, attempt)))
                    ) AS l ON true
                    WHERE t.state = 'running'
                      AND NOT (t.worker_id = p_worker
                               AND (t.id, t.attempt) IN (SELECT s.id, s.attempt FROM unnest(p_skip_ids, p_skip_attempts) AS s(id, attempt)))
                $$
                """,
                // The limited claim (PostgresQueries.taskClaimLimited calls it). It lives in the
                // database for two reasons. It must count with a snapshot taken after its locks are
                // granted, and a VOLATILE function runs each statement with a snapshot of its own: the
                // lock statement, then the claim statement, in one round trip. And PL/pgSQL keeps its
                // statements' plans for the session, where a statement sent each time would be planned
                // each time: both keep the hand-over of a freed place short. A plan kept for the session is
                // made once, with the statistics of that moment: planned while the tasks table was small (a new
                // database, or before autovacuum's first analyze), it read the whole table once per candidate
                // (9 ms a claim at 2,500 rows, in the exactness test). Without sequential scans, every table
                // it reads by key is read through its index, whatever the statistics said. What it admits follows
                // FlowAdmission (Sources/Conveyor/Flow), as the SQLite driver does in Swift.
                """
                CREATE FUNCTION {schema}.flow_claim(
                    p_queue text, p_requested integer, p_window integer, p_worker text, p_lease_seconds float8,
                    p_at timestamptz, p_skip_ids bigint[], p_skip_attempts smallint[], p_follow_id bigint, p_follow_attempt smallint)
                RETURNS TABLE (
                    id bigint, job_id bigint, kind text, queue text, owner text, input text, attempt smallint,
                    max_attempts smallint, priority smallint, created_at timestamptz,
                    paused boolean, weighed bigint, retry_at timestamptz, blocked boolean, at_limit boolean)
                LANGUAGE plpgsql VOLATILE
                SET plan_cache_mode = force_generic_plan
                SET enable_bitmapscan = off
                AS $$
                #variable_conflict use_column
                DECLARE
                    settings {schema}.queues%ROWTYPE;
                    follows_resources text[];
                    held text[];
                    allowed text[];
                    waiting_with_resources boolean;
                    stamp timestamptz;
                BEGIN
                    SELECT * INTO settings FROM {schema}.queues WHERE name = p_queue;
                    IF coalesce(settings.paused, false) THEN
                        RETURN QUERY SELECT NULL::bigint, NULL::bigint, NULL::text, NULL::text, NULL::text, NULL::text, NULL::smallint,
                            NULL::smallint, NULL::smallint, NULL::timestamptz, true, 0::bigint, NULL::timestamptz, false, false;
                        RETURN;
                    END IF;

                    IF p_follow_id IS NOT NULL THEN
                        -- Reserving a task to follow a running one of this worker: it will start when that one's
                        -- handler returns, in its place, so it takes no new place. Only while the queue and the
                        -- resources are within the limits in force (a lowered limit or a closed peak window then
                        -- takes effect as tasks finish), never under a rate limit, where starts are counted when
                        -- they happen, and only the task a claim would take first. It takes over the leader's
                        -- places and no other: when that task needs a limited resource the leader does not hold,
                        -- none is reserved (the places are freed, and that task claimed the usual way), since a
                        -- place taken while reserved would stand idle until the leader's handler returns.
                        SELECT t.resources INTO follows_resources FROM {schema}.tasks t
                        WHERE t.id = p_follow_id AND t.attempt = p_follow_attempt AND t.state = 'running' AND t.worker_id = p_worker;
                        IF NOT FOUND OR settings.rate_limit IS NOT NULL
                           OR {schema}.flow_limit(settings.concurrency_limit, settings.peak_start_minute, settings.peak_end_minute,
                                                  settings.peak_multiplier, settings.peak_time_zone, clock_timestamp())
                              < (SELECT count(*) FROM {schema}.flow_running(p_worker, p_skip_ids, p_skip_attempts) AS r WHERE r.queue = p_queue)
                        THEN
                            RETURN QUERY SELECT NULL::bigint, NULL::bigint, NULL::text, NULL::text, NULL::text, NULL::text,
                                NULL::smallint, NULL::smallint, NULL::smallint, NULL::timestamptz, false, 0::bigint,
                                NULL::timestamptz, false, false;
                            RETURN;
                        END IF;
                        SELECT coalesce(array_agg(r.name ORDER BY r.name), '{}') INTO held FROM {schema}.resources r
                        WHERE r.name = ANY(follows_resources) AND r.rate_limit IS NULL;
                    ELSE
                        -- Before any lock, a cheap look at what ran when this statement began (running tasks not
                        -- reserved as followers, less those whose handlers returned; never more than hold a place):
                        -- a queue they fill even at its peak has no room but for tasks finishing meanwhile, which
                        -- the next claim sees; it takes no lock now.
                        IF settings.concurrency_limit IS NOT NULL
                           AND settings.concurrency_limit * greatest(coalesce(settings.peak_multiplier, 1), 1)
                               <= (SELECT count(*) FROM {schema}.tasks t
                                   WHERE t.state = 'running' AND t.queue = p_queue AND t.follows IS NULL)
                                  - cardinality(p_skip_ids)
                        THEN
                            RETURN QUERY SELECT NULL::bigint, NULL::bigint, NULL::text, NULL::text, NULL::text, NULL::text,
                                NULL::smallint, NULL::smallint, NULL::smallint, NULL::timestamptz, false,
                                (SELECT count(*) FROM (SELECT 1 FROM {schema}.tasks t
                                                       WHERE t.state = 'available' AND t.queue = p_queue LIMIT 1) AS w),
                                NULL::timestamptz, false, true;
                            RETURN;
                        END IF;
                    END IF;
                    -- Nothing waits in the queue: nothing to claim, and no lock to take. This also keeps the claim
                    -- statement below from running (and so from being planned: its plan is made at its first run
                    -- in a session and kept) while the tasks table is empty, as it is when workers start before
                    -- any task exists, where every read of the table by key was planned as a scan of all of it.
                    -- Each look starts at the head of a partial index, past entries of tasks claimed since the
                    -- last vacuum, so the second is skipped when the first finds a task.
                    waiting_with_resources := EXISTS (SELECT 1 FROM {schema}.tasks t
                                                      WHERE t.state = 'available' AND t.queue = p_queue
                                                        AND t.resources <> '{}');
                    IF NOT waiting_with_resources
                       AND NOT EXISTS (SELECT 1 FROM {schema}.tasks t WHERE t.state = 'available' AND t.queue = p_queue)
                    THEN
                        RETURN QUERY SELECT NULL::bigint, NULL::bigint, NULL::text, NULL::text, NULL::text, NULL::text,
                            NULL::smallint, NULL::smallint, NULL::smallint, NULL::timestamptz, false, 0::bigint,
                            NULL::timestamptz, false, false;
                        RETURN;
                    END IF;
                    -- The limited resources to lock and count, when a waiting task of the queue uses one.
                    SELECT coalesce(array_agg(r.name ORDER BY r.name), '{}') INTO allowed
                    FROM {schema}.resources r
                    WHERE (r.concurrency_limit IS NOT NULL OR r.rate_limit IS NOT NULL) AND waiting_with_resources;

                    IF p_follow_id IS NULL THEN
                        -- Every claim that could spend the same capacity waits here for the one before it to
                        -- commit. One sorted order, so two claims never deadlock.
                        PERFORM pg_advisory_xact_lock(hashtextextended(k, 0))
                        FROM (SELECT '{schema}:q:' || p_queue AS k
                              UNION ALL SELECT '{schema}:r:' || u FROM unnest(allowed) AS u ORDER BY 1) AS keys;
                    ELSE
                        -- A follower takes no new place, so it takes none of those locks (most claims, while places
                        -- pass from task to task, are followers'). It locks the task it follows instead, so that
                        -- the outcome of that one cannot be written before the follower is: either the follower
                        -- commits first, and every claim after counts the pair as one place, or the outcome does,
                        -- and the follower finds its leader gone. (The worker itself never counts a leader whose
                        -- place it is handing over as having returned; see RunningTasks.beginHandOver.)
                        PERFORM 1 FROM {schema}.tasks t
                        WHERE t.id = p_follow_id AND t.attempt = p_follow_attempt AND t.state = 'running'
                          AND t.worker_id = p_worker AND NOT (t.id = ANY(p_skip_ids))
                        FOR SHARE;
                        IF NOT FOUND THEN
                            RETURN QUERY SELECT NULL::bigint, NULL::bigint, NULL::text, NULL::text, NULL::text, NULL::text,
                                NULL::smallint, NULL::smallint, NULL::smallint, NULL::timestamptz, false, 0::bigint,
                                NULL::timestamptz, false, false;
                            RETURN;
                        END IF;
                    END IF;
                    stamp := coalesce(p_at, clock_timestamp());

                    -- A new statement, so a new snapshot: it counts every claim and completion committed before
                    -- the locks were granted.
                    RETURN QUERY
                    WITH RECURSIVE running AS MATERIALIZED (
                        SELECT * FROM {schema}.flow_running(p_worker, p_skip_ids, p_skip_attempts)
                    ), res AS MATERIALIZED (
                        SELECT r.*, {schema}.flow_limit(r.concurrency_limit, r.peak_start_minute, r.peak_end_minute,
                                                        r.peak_multiplier, r.peak_time_zone, stamp) AS in_force,
                               (SELECT count(*) FROM running CROSS JOIN LATERAL unnest(running.resources) AS u(name)
                                WHERE u.name = r.name) AS used
                        FROM {schema}.resources r WHERE r.name = ANY(allowed)
                    ), windows AS (
                        SELECT 'q:' || p_queue AS scope, settings.rate_limit::bigint AS allowed_starts, settings.rate_interval_ms AS ms
                        WHERE settings.rate_limit IS NOT NULL
                        UNION ALL
                        SELECT 'r:' || res.name, res.rate_limit::bigint, res.rate_interval_ms FROM res WHERE res.rate_limit IS NOT NULL
                    ), starts AS MATERIALIZED (
                        SELECT w.scope, w.allowed_starts, w.ms, coalesce(sum(f.count), 0) AS n, min(f.started_at) AS oldest
                        FROM windows w
                        LEFT JOIN {schema}.flow_starts f
                            ON f.scope = w.scope AND f.started_at > stamp - make_interval(secs => w.ms / 1000.0)
                        GROUP BY w.scope, w.allowed_starts, w.ms
                    ), queue_room AS (
                        SELECT CASE
                        WHEN p_follow_id IS NOT NULL THEN
                            -- A follower only while its leader still runs under that attempt, by this snapshot:
                            -- its place is then the leader's, and no other claim can have taken it.
                            CASE WHEN EXISTS (SELECT 1 FROM {schema}.tasks t WHERE t.id = p_follow_id AND t.attempt = p_follow_attempt
                                                                          AND t.state = 'running')
                                      -- one follower per leader
                                      AND NOT EXISTS (SELECT 1 FROM {schema}.tasks t
                                                      WHERE t.state = 'running' AND t.follows = p_follow_id
                                                        AND t.follows_attempt = p_follow_attempt)
                                      AND coalesce({schema}.flow_limit(settings.concurrency_limit, settings.peak_start_minute,
                                                                       settings.peak_end_minute, settings.peak_multiplier,
                                                                       settings.peak_time_zone, stamp)
                                                    >= (SELECT count(*) FROM running WHERE running.queue = p_queue), true)
                                 THEN 1 ELSE 0 END
                        ELSE least(
                            p_requested::bigint,
                            coalesce({schema}.flow_limit(settings.concurrency_limit, settings.peak_start_minute,
                                                         settings.peak_end_minute, settings.peak_multiplier,
                                                         settings.peak_time_zone, stamp)
                                      - (SELECT count(*) FROM running WHERE running.queue = p_queue), p_requested),
                            coalesce((SELECT s.allowed_starts - s.n FROM starts s WHERE s.scope = 'q:' || p_queue), p_requested)
                        ) END AS room,
                        {schema}.flow_limit(settings.concurrency_limit, settings.peak_start_minute, settings.peak_end_minute,
                                            settings.peak_multiplier, settings.peak_time_zone, stamp)
                            - (SELECT count(*) FROM running WHERE running.queue = p_queue) AS limit_room
                    ), res_room AS MATERIALIZED (
                        SELECT res.name, CASE
                            WHEN res.name = ANY(held) THEN CASE WHEN res.in_force < res.used THEN 0 ELSE 1 END
                            ELSE least(
                                coalesce(res.in_force - res.used, 2147483647),
                                coalesce((SELECT s.allowed_starts - s.n FROM starts s WHERE s.scope = 'r:' || res.name), 2147483647))
                            END AS room
                        FROM res
                    ), full_resources AS (
                        -- No room now, or limited but not counted by this claim: their tasks are passed over.
                        SELECT coalesce(array_agg(f.name), '{}')::text[] AS names FROM (
                            SELECT res_room.name FROM res_room WHERE res_room.room <= 0
                            UNION ALL
                            SELECT r.name FROM {schema}.resources r
                            WHERE (r.concurrency_limit IS NOT NULL OR r.rate_limit IS NOT NULL) AND NOT (r.name = ANY(allowed))
                        ) AS f
                    ), plain AS (
                        SELECT t.id, t.ctid AS tid, t.owner, t.priority, t.run_at, t.resources FROM {schema}.tasks t
                        WHERE t.state = 'available' AND t.queue = p_queue
                          AND NOT (t.resources && (SELECT names FROM full_resources))
                        ORDER BY t.priority, t.run_at, t.id LIMIT p_window
                    ), owner_busy AS MATERIALIZED (
                        -- Fair share counts rounds from what each owner already has running or reserved, so that
                        -- turns carry over from one claim to the next.
                        SELECT t.owner, count(*) AS n FROM {schema}.tasks t
                        WHERE t.state = 'running' AND t.queue = p_queue AND coalesce(settings.fair_share, false)
                        GROUP BY t.owner
                    ), owners(owner) AS (
                        -- Fair share: owners walked through tasks_fair, one index probe each.
                        SELECT min(t.owner) FROM {schema}.tasks t
                        WHERE t.state = 'available' AND t.queue = p_queue AND t.owner <> '' AND coalesce(settings.fair_share, false)
                        UNION ALL
                        SELECT (SELECT min(t.owner) FROM {schema}.tasks t
                                WHERE t.state = 'available' AND t.queue = p_queue AND t.owner <> '' AND t.owner > o.owner)
                        FROM owners o WHERE o.owner IS NOT NULL
                    ), heads AS (
                        -- Each owner's first task it could start, in the round after what it runs: only the first
                        -- p_window owners by it can appear in the window.
                        SELECT o.owner, h.priority, coalesce((SELECT b.n FROM owner_busy b WHERE b.owner = o.owner), 0) AS busy,
                               h.run_at, h.id
                        FROM owners o CROSS JOIN LATERAL (
                            SELECT t.priority, t.run_at, t.id FROM {schema}.tasks t
                            WHERE t.state = 'available' AND t.queue = p_queue AND t.owner = o.owner AND t.owner <> ''
                              AND NOT (t.resources && (SELECT names FROM full_resources))
                            ORDER BY t.priority, t.run_at, t.id LIMIT 1
                        ) AS h
                        WHERE o.owner IS NOT NULL
                        UNION ALL
                        -- Tasks without an owner count as one more owner, found among the first p_window tasks.
                        (SELECT '', p.priority, coalesce((SELECT b.n FROM owner_busy b WHERE b.owner = ''), 0), p.run_at, p.id
                         FROM plain p
                         WHERE p.owner = '' AND coalesce(settings.fair_share, false)
                         ORDER BY p.priority, p.run_at, p.id LIMIT 1)
                    ), chosen_owners AS MATERIALIZED (
                        SELECT heads.owner, heads.busy FROM heads
                        ORDER BY heads.priority, heads.busy, heads.run_at, heads.id LIMIT p_window
                    ), per_owner AS (
                        -- Enough of each owner's tasks that every round up to the last one the window can reach
                        -- is there in full: the window's share, plus the rounds the least busy are behind.
                        SELECT (p_window + greatest(count(*), 1) - 1) / greatest(count(*), 1) AS share,
                               coalesce(max(chosen_owners.busy), 0) AS top
                        FROM chosen_owners
                    ), fair AS (
                        SELECT t.id, t.tid, t.owner, t.priority, t.run_at, t.resources, o.busy
                        FROM chosen_owners o CROSS JOIN LATERAL (
                            SELECT t.id, t.ctid AS tid, t.owner, t.priority, t.run_at, t.resources FROM {schema}.tasks t
                            WHERE t.state = 'available' AND t.queue = p_queue AND t.owner = o.owner AND t.owner <> ''
                              AND NOT (t.resources && (SELECT names FROM full_resources))
                            ORDER BY t.priority, t.run_at, t.id
                            LIMIT (SELECT least(p_window, per_owner.share + per_owner.top - o.busy) FROM per_owner)
                        ) AS t
                        WHERE o.owner <> ''
                        UNION ALL
                        SELECT p.id, p.tid, p.owner, p.priority, p.run_at, p.resources, o.busy FROM plain p
                        JOIN chosen_owners o ON o.owner = '' WHERE p.owner = ''
                    ), cand AS (
                        SELECT x.id, x.tid, x.resources, x.ord FROM (
                            SELECT r.id, r.tid, r.resources,
                                   row_number() OVER (ORDER BY r.priority, r.round, r.run_at, r.id) AS ord
                            FROM (SELECT f.*,
                                         f.busy + row_number() OVER (PARTITION BY f.priority, f.owner ORDER BY f.run_at, f.id) AS round
                                  FROM fair f) AS r
                        ) AS x
                        WHERE x.ord <= p_window AND coalesce(settings.fair_share, false)
                        UNION ALL
                        SELECT p.id, p.tid, p.resources, row_number() OVER (ORDER BY p.priority, p.run_at, p.id)
                        FROM plain p WHERE NOT coalesce(settings.fair_share, false)
                    ), cand_res AS (
                        -- Places are spent by rank; skipped when every resource has room for all this claim may take.
                        SELECT c.id, u.name, row_number() OVER (PARTITION BY u.name ORDER BY c.ord) AS place
                        FROM cand c CROSS JOIN LATERAL unnest(c.resources) AS u(name)
                        WHERE (SELECT min(res_room.room) FROM res_room) < (SELECT room FROM queue_room)
                    ), refused AS (
                        SELECT cr.id FROM cand_res cr JOIN res_room rr ON rr.name = cr.name WHERE cr.place > rr.room
                    ), follower_pick AS (
                        -- A follower: the first candidate it has room for (on the leader's places, or those
                        -- with room) that no other claim is taking at this moment (skipped, not waited for:
                        -- that claim takes it, and a follower that waited would find it gone).
                        -- Candidates in order, each task looked up (and locked) by its id: a plan that joined the
                        -- two as sets could read the whole table once per candidate when planned on a small table.
                        SELECT c.id, c.tid, c.ord, c.resources
                        FROM (SELECT cand.* FROM cand
                              WHERE p_follow_id IS NOT NULL AND (SELECT room FROM queue_room) > 0
                                AND cand.id NOT IN (SELECT refused.id FROM refused)
                              ORDER BY cand.ord) AS c
                        CROSS JOIN LATERAL (SELECT 1 FROM {schema}.tasks t
                                            WHERE t.id = c.id AND t.state::text = 'available'
                                            FOR UPDATE SKIP LOCKED) AS locked
                        LIMIT 1
                    ), chosen AS (
                        (SELECT c.id, c.tid, c.ord FROM cand c
                         WHERE p_follow_id IS NULL AND c.id NOT IN (SELECT refused.id FROM refused)
                         ORDER BY c.ord LIMIT greatest((SELECT room FROM queue_room), 0))
                        UNION ALL
                        -- Never one that needs a limited resource the leader does not hold (held has none with a
                        -- rate limit, whose starts are counted when they happen): the leader's places are freed instead.
                        SELECT f.id, f.tid, f.ord FROM follower_pick f
                        WHERE NOT EXISTS (SELECT 1 FROM unnest(f.resources) AS u(name)
                                          WHERE u.name = ANY(allowed) AND NOT (u.name = ANY(held)))
                    ), picked AS (
                        SELECT coalesce(array_agg(chosen.id ORDER BY chosen.ord), '{}') AS ids,
                               coalesce(array_agg(chosen.tid), '{}') AS tids FROM chosen
                    ), replaced AS (
                        -- Tasks of this queue whose handlers returned here, their outcomes not written yet, and
                        -- with no follower: each task this claim takes pairs with one of them, as a follower
                        -- does, so that every other claim too counts the two as the one place they are.
                        SELECT t.id, t.attempt, row_number() OVER (ORDER BY t.id) AS n
                        FROM unnest(p_skip_ids, p_skip_attempts) AS s(id, attempt)
                        -- Each looked up by its id (LIMIT keeps the lookup from being merged into a join, as in
                        -- follower_pick).
                        CROSS JOIN LATERAL (SELECT t.id, t.attempt FROM {schema}.tasks t
                                            WHERE t.id = s.id AND t.attempt = s.attempt AND t.state = 'running'
                                              AND t.queue = p_queue AND t.worker_id = p_worker
                                            LIMIT 1) AS t
                        WHERE p_follow_id IS NULL
                          AND NOT EXISTS (SELECT 1 FROM {schema}.tasks f
                                          WHERE f.state = 'running' AND f.follows = t.id AND f.follows_attempt = t.attempt)
                    ), pairs AS (
                        SELECT c.id, r.id AS follows, r.attempt AS follows_attempt
                        FROM (SELECT chosen.id, row_number() OVER (ORDER BY chosen.ord) AS n FROM chosen) AS c
                        JOIN replaced r ON r.n = c.n
                    ), updated AS (
                        -- By the row versions the candidates were read from (a TID scan, whatever the plan kept
                        -- for the session thinks of the table's size); a row changed since by another transaction
                        -- no longer matches and is not claimed. The id is checked too, and the state is compared
                        -- as text, so that the plan does not scan the partial claim index instead.
                        UPDATE {schema}.tasks t
                        SET state = 'running', attempt = t.attempt + 1, worker_id = p_worker, attempted_at = stamp,
                            lease_expires_at = stamp + make_interval(secs => p_lease_seconds),
                            follows = coalesce(p_follow_id, (SELECT pairs.follows FROM pairs WHERE pairs.id = t.id)),
                            follows_attempt = coalesce(p_follow_attempt,
                                                       (SELECT pairs.follows_attempt FROM pairs WHERE pairs.id = t.id))
                        WHERE t.ctid = ANY((SELECT picked.tids FROM picked)::tid[])
                          AND t.id = ANY((SELECT picked.ids FROM picked)::bigint[]) AND t.state::text = 'available'
                        RETURNING t.id, t.job_id, t.kind, t.queue, t.owner, t.input::text AS input, t.attempt, t.max_attempts,
                                  t.priority, t.created_at, t.resources, array_position((SELECT picked.ids FROM picked), t.id) AS ord
                    ), started AS (
                        INSERT INTO {schema}.flow_starts (scope, started_at, count)
                        SELECT x.scope, stamp, count(*)::integer FROM (
                            SELECT 'q:' || updated.queue AS scope FROM updated
                            UNION ALL
                            SELECT 'r:' || u.name FROM updated CROSS JOIN LATERAL unnest(updated.resources) AS u(name)
                        ) AS x
                        WHERE x.scope IN (SELECT windows.scope FROM windows)
                        GROUP BY x.scope
                        RETURNING 1
                    ), pruned AS (
                        DELETE FROM {schema}.flow_starts f USING windows w
                        WHERE f.scope = w.scope AND f.started_at < stamp - make_interval(secs => w.ms / 1000.0 + 60)
                        RETURNING 1
                    )
                    SELECT u.id, u.job_id, u.kind, u.queue, u.owner, u.input, u.attempt, u.max_attempts, u.priority, u.created_at,
                           false,
                           (SELECT count(*) FROM cand),
                           (SELECT min(coalesce(s.oldest, stamp) + make_interval(secs => s.ms / 1000.0)) FROM starts s),
                           -- Whether tasks near the head of the queue wait for a resource with no room.
                           (SELECT cardinality(f.names) > 0 AND EXISTS (
                                SELECT 1 FROM (SELECT t.resources FROM {schema}.tasks t
                                               WHERE t.state = 'available' AND t.queue = p_queue
                                               ORDER BY t.priority, t.run_at, t.id LIMIT p_window) AS head
                                WHERE head.resources && f.names)
                            FROM full_resources f),
                           -- Whether this claim leaves the queue's or a resource's limit with no room.
                           (SELECT coalesce(q.limit_room, 2147483647) <= (SELECT count(*) FROM chosen) FROM queue_room q)
                           OR EXISTS (SELECT 1 FROM res_room rr
                                      WHERE rr.room <= (SELECT count(*) FROM chosen c JOIN cand_res cr ON cr.id = c.id
                                                        WHERE cr.name = rr.name))
                    FROM (SELECT 1) AS one LEFT JOIN updated u ON true
                    ORDER BY u.ord;
                END
                $$
                """,
            ]
        ),
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
