import Conveyor
import Foundation
import PostgresNIO

/// Every SQL statement of the PostgreSQL driver, one per driver operation, named after it.
///
/// Values are always bound; only the schema name, checked to be a plain identifier, is
/// interpolated (`unescaped:`).
struct PostgresQueries: Sendable {
    let schema: String
    /// The NOTIFY channel that tells workers a queue has new work; the payload is the queue name.
    var workChannel: String { "\(schema)_work" }
    /// The NOTIFY channel that tells feed readers a job has new events; the payload is the job id.
    var jobEventsChannel: String { "\(schema)_job_events" }

    /// Stands for "now" in arrays of run times, which cannot hold NULL.
    static let now = Date(timeIntervalSince1970: 0)

    /// What a snapshot of a task reads; ``PostgresDriver/taskColumnCount`` columns.
    var taskColumns: String {
        """
        tasks.id, tasks.job_id, tasks.kind, tasks.queue, tasks.owner, tasks.state::text, tasks.priority,
        tasks.attempt, tasks.max_attempts, tasks.input::text, tasks.result::text, tasks.errors::text, tasks.run_at,
        tasks.worker_id, tasks.lease_expires_at, tasks.created_at, tasks.attempted_at, tasks.finished_at,
        tasks.progress, tasks.progress_message, tasks.name, tasks.redriven_at,
        array(SELECT d.depends_on FROM \(schema).task_dependencies d WHERE d.task_id = tasks.id ORDER BY 1)
        """
    }

    // MARK: Migrations

    func migrationLock() -> PostgresQuery {
        "SELECT pg_advisory_xact_lock(hashtext(\("conveyor.migrate." + schema)))"
    }

    func migrationCreateSchema() -> PostgresQuery {
        "CREATE SCHEMA IF NOT EXISTS \(unescaped: schema)"
    }

    func migrationCreateVersionTable() -> PostgresQuery {
        """
        CREATE TABLE IF NOT EXISTS \(unescaped: schema).schema_migrations (
            version integer PRIMARY KEY,
            name text NOT NULL,
            applied_at timestamptz NOT NULL DEFAULT now()
        )
        """
    }

    func migrationApplied() -> PostgresQuery {
        "SELECT version FROM \(unescaped: schema).schema_migrations"
    }

    func migrationStatement(_ sql: String) -> PostgresQuery {
        PostgresQuery(unsafeSQL: sql.replacingOccurrences(of: "{schema}", with: schema))
    }

    func migrationRecord(version: Int, name: String) -> PostgresQuery {
        "INSERT INTO \(unescaped: schema).schema_migrations (version, name) VALUES (\(version), \(name))"
    }

    // MARK: Enqueue

    /// One statement for any number of tasks. The rows come from a subquery rather than a CTE
    /// (nothing to materialize; `nextval` keeps it from being flattened, so each row takes one id,
    /// in the order of the arrays), and the ids come back as one array in one row rather than a
    /// row per task, which the client would decode one by one.
    func taskInsertMany(owner: String, tasks: TaskInsertColumns) -> PostgresQuery {
        """
        WITH inserted AS (
            INSERT INTO \(unescaped: schema).tasks
                (id, job_id, owner, kind, queue, state, priority, input, max_attempts, attempt_budget, run_at, resources)
            SELECT id, id, \(owner), kind, queue,
                   (CASE WHEN run_at > now() THEN 'scheduled' ELSE 'available' END)::\(unescaped: schema).task_state,
                   priority, input::jsonb, max_attempts, max_attempts, greatest(run_at, now()),
                   coalesce(string_to_array(nullif(resources, ''), ','), '{}')
            FROM (
                SELECT nextval('\(unescaped: schema).ids') AS id, u.*
                FROM unnest(\(tasks.kinds)::text[], \(tasks.queues)::text[], \(tasks.inputs)::text[],
                            \(tasks.priorities)::int2[], \(tasks.runAts)::timestamptz[], \(tasks.maxAttempts)::int2[],
                            \(tasks.resources)::text[])
                    AS u(kind, queue, input, priority, run_at, max_attempts, resources)
            ) AS input
            RETURNING id, queue, state
        ), notified AS (
            SELECT pg_notify('\(unescaped: workChannel)', queue)
            FROM (SELECT DISTINCT queue FROM inserted WHERE state = 'available') AS queues
        )
        SELECT array(SELECT id FROM inserted ORDER BY id), (SELECT count(*) FROM notified)
        """
    }

    /// The job row, its tasks and their dependencies in one statement. A task with dependencies
    /// starts `blocked`, counting them in `blockers`.
    func jobInsert(
        owner: String, kind: String, idempotencyKey: String?, fingerprint: String?, metadata: String?,
        tasks: TaskInsertColumns
    ) -> PostgresQuery {
        """
        WITH job AS (
            INSERT INTO \(unescaped: schema).jobs
                (id, owner, kind, idempotency_key, task_count, request_sha256, metadata)
            VALUES (nextval('\(unescaped: schema).ids'), \(owner), \(kind), \(idempotencyKey), \(tasks.count),
                    \(fingerprint), \(metadata)::jsonb)
            ON CONFLICT (owner, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
            RETURNING id
        ), input AS (
            SELECT nextval('\(unescaped: schema).ids') AS id, job.id AS job_id, u.*
            FROM job, unnest(\(tasks.kinds)::text[], \(tasks.queues)::text[], \(tasks.inputs)::text[],
                        \(tasks.priorities)::int2[], \(tasks.runAts)::timestamptz[], \(tasks.maxAttempts)::int2[],
                        \(tasks.names)::text[], \(tasks.blockers)::int4[], \(tasks.resources)::text[])
                WITH ORDINALITY AS u(kind, queue, input, priority, run_at, max_attempts, name, blockers, resources, ord)
        ), inserted AS (
            INSERT INTO \(unescaped: schema).tasks
                (id, job_id, owner, kind, queue, state, priority, input, max_attempts, attempt_budget, run_at, name,
                 blockers, resources)
            SELECT id, job_id, \(owner), kind, queue,
                   (CASE WHEN blockers > 0 THEN 'blocked' WHEN run_at > now() THEN 'scheduled' ELSE 'available' END)
                       ::\(unescaped: schema).task_state,
                   priority, input::jsonb, max_attempts, max_attempts, greatest(run_at, now()), NULLIF(name, ''),
                   blockers, coalesce(string_to_array(nullif(resources, ''), ','), '{}')
            FROM input
            RETURNING id, job_id, name, queue, state
        ), events AS (
            INSERT INTO \(unescaped: schema).job_events (job_id, task_id, name, state, attempt)
            SELECT job_id, id, name, state::text, 0 FROM inserted ORDER BY id
        ), dependencies AS (
            INSERT INTO \(unescaped: schema).task_dependencies (task_id, depends_on)
            SELECT a.id, b.id
            FROM unnest(\(tasks.dependencyTasks)::int8[], \(tasks.dependencyTargets)::int8[]) AS d(task_ord, on_ord)
            JOIN input a ON a.ord = d.task_ord JOIN input b ON b.ord = d.on_ord
            RETURNING 1
        ), notified AS (
            SELECT pg_notify('\(unescaped: workChannel)', queue)
            FROM (SELECT DISTINCT queue FROM inserted WHERE state = 'available') AS queues
        )
        SELECT (SELECT id FROM job), array(SELECT id FROM inserted ORDER BY id), (SELECT count(*) FROM notified),
               (SELECT count(*) FROM dependencies)
        """
    }

    func jobFindByIdempotencyKey(owner: String, key: String) -> PostgresQuery {
        """
        SELECT j.id, array(SELECT t.id FROM \(unescaped: schema).tasks t WHERE t.job_id = j.id AND t.job_id <> t.id ORDER BY t.id),
               j.request_sha256
        FROM \(unescaped: schema).jobs j WHERE j.owner = \(owner) AND j.idempotency_key = \(key)
        """
    }

    // MARK: Hot path

    /// The fast path: one statement, no lock. The two extra conditions keep it away from what
    /// needs flow control: a queue with limits, fair share or paused (one primary-key probe of
    /// the small queues table, evaluated once), and any task that uses a resource.
    func taskClaim(queue: String, limit: Int, workerID: String, leaseSeconds: Double) -> PostgresQuery {
        """
        WITH picked AS (
            SELECT id FROM \(unescaped: schema).tasks
            WHERE state = 'available' AND queue = \(queue) AND resources = '{}'
              AND NOT EXISTS (
                  SELECT 1 FROM \(unescaped: schema).queues q
                  WHERE q.name = \(queue)
                    AND (q.paused OR q.concurrency_limit IS NOT NULL OR q.rate_limit IS NOT NULL OR q.fair_share))
            ORDER BY priority, run_at, id
            LIMIT \(limit)
            FOR UPDATE SKIP LOCKED
        )
        UPDATE \(unescaped: schema).tasks t
        SET state = 'running', attempt = t.attempt + 1, worker_id = \(workerID), attempted_at = now(),
            lease_expires_at = now() + make_interval(secs => \(leaseSeconds))
        FROM picked WHERE t.id = picked.id
        RETURNING t.id, t.job_id, t.kind, t.queue, t.owner, t.input::text, t.attempt, t.max_attempts, t.priority,
                  t.created_at
        """
    }

    // MARK: Flow control

    static let queueSettingsColumns = """
        name, paused, concurrency_limit, rate_limit, rate_interval_ms, timeout_ms, max_attempts, fair_share,
        peak_start_minute, peak_end_minute, peak_multiplier, peak_time_zone, updated_at
        """

    static let resourceSettingsColumns = """
        name, concurrency_limit, rate_limit, rate_interval_ms, peak_start_minute, peak_end_minute, peak_multiplier,
        peak_time_zone, updated_at
        """

    /// The queue's settings (NULLs when it has none), and whether an available task of it uses a
    /// resource (answered from `tasks_resources`, which holds only such tasks).
    func queueFlowGet(queue: String) -> PostgresQuery {
        """
        SELECT q.name, q.paused, q.concurrency_limit, q.rate_limit, q.rate_interval_ms, q.timeout_ms, q.max_attempts,
               q.fair_share, q.peak_start_minute, q.peak_end_minute, q.peak_multiplier, q.peak_time_zone, q.updated_at,
               EXISTS (SELECT 1 FROM \(unescaped: schema).tasks
                       WHERE state = 'available' AND queue = \(queue) AND resources <> '{}')
        FROM (SELECT 1) AS one LEFT JOIN \(unescaped: schema).queues q ON q.name = \(queue)
        """
    }

    func queueSettingsList() -> PostgresQuery {
        "SELECT \(unescaped: Self.queueSettingsColumns) FROM \(unescaped: schema).queues ORDER BY name"
    }

    /// Upserts every column, and tells the queue's workers to look again (a limit may have risen).
    func queueSettingsPut(_ q: QueueSettingsColumns) -> PostgresQuery {
        """
        WITH upserted AS (
            INSERT INTO \(unescaped: schema).queues AS q
                (name, paused, concurrency_limit, rate_limit, rate_interval_ms, timeout_ms, max_attempts, fair_share,
                 peak_start_minute, peak_end_minute, peak_multiplier, peak_time_zone, updated_at)
            VALUES (\(q.name), \(q.paused), \(q.concurrencyLimit), \(q.rateLimit), \(q.rateIntervalMilliseconds),
                    \(q.timeoutMilliseconds), \(q.maxAttempts), \(q.fairShare), \(q.peakStart), \(q.peakEnd),
                    \(q.peakMultiplier), \(q.peakTimeZone), now())
            ON CONFLICT (name) DO UPDATE SET
                paused = EXCLUDED.paused, concurrency_limit = EXCLUDED.concurrency_limit,
                rate_limit = EXCLUDED.rate_limit, rate_interval_ms = EXCLUDED.rate_interval_ms,
                timeout_ms = EXCLUDED.timeout_ms, max_attempts = EXCLUDED.max_attempts,
                fair_share = EXCLUDED.fair_share, peak_start_minute = EXCLUDED.peak_start_minute,
                peak_end_minute = EXCLUDED.peak_end_minute, peak_multiplier = EXCLUDED.peak_multiplier,
                peak_time_zone = EXCLUDED.peak_time_zone, updated_at = now()
            RETURNING q.name
        )
        SELECT pg_notify('\(unescaped: workChannel)', name) FROM upserted
        """
    }

    func queueSetPaused(name: String, paused: Bool) -> PostgresQuery {
        """
        WITH upserted AS (
            INSERT INTO \(unescaped: schema).queues AS q (name, paused) VALUES (\(name), \(paused))
            ON CONFLICT (name) DO UPDATE SET paused = EXCLUDED.paused, updated_at = now()
            RETURNING q.name, q.paused
        )
        SELECT pg_notify('\(unescaped: workChannel)', name) FROM upserted WHERE NOT paused
        """
    }

    func resourceSettingsList() -> PostgresQuery {
        "SELECT \(unescaped: Self.resourceSettingsColumns) FROM \(unescaped: schema).resources ORDER BY name"
    }

    func resourceSettingsPut(_ r: ResourceSettingsColumns) -> PostgresQuery {
        """
        INSERT INTO \(unescaped: schema).resources
            (name, concurrency_limit, rate_limit, rate_interval_ms, peak_start_minute, peak_end_minute,
             peak_multiplier, peak_time_zone, updated_at)
        VALUES (\(r.name), \(r.concurrencyLimit), \(r.rateLimit), \(r.rateIntervalMilliseconds), \(r.peakStart),
                \(r.peakEnd), \(r.peakMultiplier), \(r.peakTimeZone), now())
        ON CONFLICT (name) DO UPDATE SET
            concurrency_limit = EXCLUDED.concurrency_limit, rate_limit = EXCLUDED.rate_limit,
            rate_interval_ms = EXCLUDED.rate_interval_ms, peak_start_minute = EXCLUDED.peak_start_minute,
            peak_end_minute = EXCLUDED.peak_end_minute, peak_multiplier = EXCLUDED.peak_multiplier,
            peak_time_zone = EXCLUDED.peak_time_zone, updated_at = now()
        """
    }

    func resourceSettingsDelete(name: String) -> PostgresQuery {
        "DELETE FROM \(unescaped: schema).resources WHERE name = \(name) RETURNING name"
    }

    func resourceCountRunning() -> PostgresQuery {
        """
        SELECT u.name, count(*) FROM \(unescaped: schema).tasks t CROSS JOIN LATERAL unnest(t.resources) AS u(name)
        WHERE t.state = 'running' AND t.resources <> '{}'
        GROUP BY u.name
        """
    }

    /// The limited claim: one call of `flow_claim`, the PL/pgSQL function migration 4 defines
    /// (its comment says why it lives in the database). In one transaction and one round trip, it:
    ///
    /// 1. reads the queue's settings; a paused queue claims nothing;
    /// 2. with the statement's own (older) count, skips a queue already full even at its peak
    ///    (no lock, nothing claimed: it can only have room through tasks finishing meanwhile, and
    ///    the next claim looks again), and picks the limited resources to lock: those the queue's
    ///    waiting tasks may use and that have room by that count;
    /// 3. takes transaction-level advisory locks (released at commit; fine behind a
    ///    transaction-mode pooler) on the queue and those resources, in one sorted order so two
    ///    claims never deadlock: every claim that could spend the same capacity waits here for the
    ///    one before it to commit;
    /// 4. in a new statement, so with a snapshot taken after the locks were granted, counts what
    ///    holds a place (`flow_running`: running tasks, but this worker's whose handlers returned;
    ///    a task reserved to follow one that still runs only in resources that one does not use)
    ///    and what started within each rate
    ///    window, weighs the first `window` waiting tasks in claim order that use no resource
    ///    without room (plain, or round-robin across owners), admits by ``FlowAdmission``'s rules,
    ///    marks them running (only where still available), records their starts under each rate
    ///    limit, and drops starts too old to count. Starts and `attempted_at` are stamped with the
    ///    clock read after the locks, so they follow commit order.
    ///
    /// With a task to follow, it reserves at most one follower instead, without the queue's lock
    /// (only those of resources the followed task does not use): see
    /// ``QueueDriver/taskClaimLimited(_:)`` and the comment in the function.
    ///
    /// Always one row at least: the claimed tasks in claim order (NULLs when none), each row also
    /// carrying whether the queue is paused, how many tasks were weighed, when a rate window next
    /// makes room, and whether tasks wait for a resource without room.
    func taskClaimLimited(_ c: FlowClaimColumns) -> PostgresQuery {
        """
        SELECT * FROM \(unescaped: schema).flow_claim(
            \(c.queue), \(Int32(clamping: c.requested)), \(Int32(clamping: c.window)), \(c.workerID), \(c.leaseSeconds),
            \(c.now), \(c.returnedIDs)::int8[], \(c.returnedAttempts)::int2[], \(c.followsID)::int8,
            \(c.followsAttempt)::int2)
        """
    }

    func taskCompleteMany(_ c: CompletionColumns) -> PostgresQuery {
        """
        UPDATE \(unescaped: schema).tasks t
        SET state = (CASE WHEN u.state IN ('retryable', 'scheduled') AND u.run_at <= now() THEN 'available'
                          ELSE u.state END)::\(unescaped: schema).task_state,
            result = CASE WHEN u.state = 'completed' THEN NULLIF(u.result, '')::jsonb ELSE t.result END,
            errors = CASE WHEN u.error = '' THEN t.errors ELSE t.errors || jsonb_build_array(u.error::jsonb) END,
            run_at = CASE WHEN u.state IN ('retryable', 'scheduled') THEN u.run_at ELSE t.run_at END,
            max_attempts = t.max_attempts + u.extra_attempts,
            finished_at = CASE WHEN u.state IN ('completed', 'discarded', 'cancelled') THEN now() END,
            worker_id = NULL,
            lease_expires_at = NULL
        FROM unnest(\(c.ids)::int8[], \(c.attempts)::int2[], \(c.states)::text[], \(c.results)::text[],
                    \(c.errors)::text[], \(c.runAts)::timestamptz[], \(c.extraAttempts)::int2[])
            AS u(id, attempt, state, result, error, run_at, extra_attempts)
        WHERE t.id = u.id AND t.attempt = u.attempt AND t.state = 'running'
        RETURNING t.id
        """
    }

    func workerHeartbeat(_ worker: WorkerInfo, taskIDs: [Int64], leaseSeconds: Double) -> PostgresQuery {
        """
        WITH registered AS (
            INSERT INTO \(unescaped: schema).workers (id, host, pid, queues, capacity, started_at, last_heartbeat_at)
            VALUES (\(worker.id), \(worker.host), \(worker.pid), \(worker.queues), \(worker.capacity),
                    \(worker.startedAt), now())
            ON CONFLICT (id) DO UPDATE SET last_heartbeat_at = now()
            RETURNING id
        )
        UPDATE \(unescaped: schema).tasks
        SET lease_expires_at = now() + make_interval(secs => \(leaseSeconds))
        WHERE id = ANY(\(taskIDs)::int8[]) AND state = 'running' AND worker_id = \(worker.id)
        RETURNING id
        """
    }

    func taskReportProgress(id: Int64, attempt: Int16, percent: Int16, message: String?) -> PostgresQuery {
        """
        UPDATE \(unescaped: schema).tasks SET progress = \(percent), progress_message = \(message)
        WHERE id = \(id) AND attempt = \(attempt) AND state = 'running'
        RETURNING id
        """
    }

    // MARK: Run-time fan-out

    /// Locks the completing task, if this attempt still holds it, and names its job.
    func taskFanOutLock(id: Int64, attempt: Int16) -> PostgresQuery {
        """
        SELECT job_id, owner FROM \(unescaped: schema).tasks
        WHERE id = \(id) AND attempt = \(attempt) AND state = 'running'
        FOR UPDATE
        """
    }

    /// The job's tasks with these names, locked so that none of them finishes until the added
    /// tasks and their dependency rows are committed: a dependency that completes afterwards then
    /// finds its new dependents.
    func taskFanOutNamed(jobID: Int64, names: [String]) -> PostgresQuery {
        """
        SELECT id, name, state::text FROM \(unescaped: schema).tasks
        WHERE job_id = \(jobID) AND name = ANY(\(names)::text[])
        ORDER BY id
        FOR SHARE
        """
    }

    /// Inserts tasks into an existing job, each with its state and blocker count worked out, and
    /// their dependencies: on tasks of the same insert (by position) and on existing tasks (by id).
    func taskFanOutInsert(
        jobID: Int64, owner: String, tasks: TaskInsertColumns, states: [String], existingTasks: [Int64],
        existingTargets: [Int64]
    ) -> PostgresQuery {
        """
        WITH input AS (
            SELECT nextval('\(unescaped: schema).ids') AS id, u.*
            FROM unnest(\(tasks.kinds)::text[], \(tasks.queues)::text[], \(tasks.inputs)::text[],
                        \(tasks.priorities)::int2[], \(tasks.runAts)::timestamptz[], \(tasks.maxAttempts)::int2[],
                        \(tasks.names)::text[], \(tasks.blockers)::int4[], \(states)::text[],
                        \(tasks.resources)::text[])
                WITH ORDINALITY AS u(kind, queue, input, priority, run_at, max_attempts, name, blockers, state, resources,
                                     ord)
        ), inserted AS (
            INSERT INTO \(unescaped: schema).tasks
                (id, job_id, owner, kind, queue, state, priority, input, max_attempts, attempt_budget, run_at, name,
                 blockers, resources)
            SELECT id, \(jobID), \(owner), kind, queue,
                   (CASE WHEN state = 'available' AND run_at > now() THEN 'scheduled' ELSE state END)
                       ::\(unescaped: schema).task_state,
                   priority, input::jsonb, max_attempts, max_attempts, greatest(run_at, now()), NULLIF(name, ''),
                   blockers, coalesce(string_to_array(nullif(resources, ''), ','), '{}')
            FROM input
            RETURNING id, job_id, name, queue, state
        ), events AS (
            INSERT INTO \(unescaped: schema).job_events (job_id, task_id, name, state, attempt)
            SELECT job_id, id, name, state::text, 0 FROM inserted ORDER BY id
        ), new_dependencies AS (
            INSERT INTO \(unescaped: schema).task_dependencies (task_id, depends_on)
            SELECT a.id, b.id
            FROM unnest(\(tasks.dependencyTasks)::int8[], \(tasks.dependencyTargets)::int8[]) AS d(task_ord, on_ord)
            JOIN input a ON a.ord = d.task_ord JOIN input b ON b.ord = d.on_ord
            RETURNING 1
        ), existing_dependencies AS (
            INSERT INTO \(unescaped: schema).task_dependencies (task_id, depends_on)
            SELECT a.id, d.on_id
            FROM unnest(\(existingTasks)::int8[], \(existingTargets)::int8[]) AS d(task_ord, on_id)
            JOIN input a ON a.ord = d.task_ord
            RETURNING 1
        ), notified AS (
            SELECT pg_notify('\(unescaped: workChannel)', queue)
            FROM (SELECT DISTINCT queue FROM inserted WHERE state = 'available') AS queues
        )
        SELECT array(SELECT id FROM inserted ORDER BY id), (SELECT count(*) FROM notified),
               (SELECT count(*) FROM new_dependencies), (SELECT count(*) FROM existing_dependencies)
        """
    }

    // MARK: Cancellation and redrive

    /// Of the given tasks, those not running under this worker any more.
    func taskFindUnheld(workerID: String, ids: [Int64]) -> PostgresQuery {
        """
        SELECT x.id FROM unnest(\(ids)::int8[]) AS x(id)
        WHERE NOT EXISTS (
            SELECT 1 FROM \(unescaped: schema).tasks t
            WHERE t.id = x.id AND t.state = 'running' AND t.worker_id = \(workerID))
        """
    }

    func taskDependencyResults(_ id: Int64) -> PostgresQuery {
        """
        SELECT t.id, t.name, t.kind, t.state::text, t.result::text
        FROM \(unescaped: schema).task_dependencies d JOIN \(unescaped: schema).tasks t ON t.id = d.depends_on
        WHERE d.task_id = \(id)
        ORDER BY t.id
        """
    }

    /// Cancels every unfinished task of the job at once, running ones included: their workers'
    /// fenced completions then change nothing, and the workers cancel the handlers when they see it.
    func jobCancel(jobID: Int64, reason: String) -> PostgresQuery {
        """
        WITH cancelled AS (
            UPDATE \(unescaped: schema).tasks t
            SET state = 'cancelled',
                finished_at = now(),
                worker_id = NULL,
                lease_expires_at = NULL,
                errors = t.errors || jsonb_build_array(jsonb_build_object(
                    'attempt', t.attempt, 'at', extract(epoch FROM now()), 'error', 'cancelled: ' || \(reason),
                    'worker', t.worker_id))
            WHERE ((t.job_id = \(jobID) AND t.job_id <> t.id) OR (t.id = \(jobID) AND t.job_id = t.id))
              AND t.state IN ('blocked', 'scheduled', 'available', 'running', 'retryable')
            RETURNING 1
        )
        SELECT count(*) FROM cancelled
        """
    }

    /// The job's discarded and cancelled tasks, locked, in id order.
    func jobRetryTargets(jobID: Int64) -> PostgresQuery {
        """
        SELECT id FROM \(unescaped: schema).tasks t
        WHERE ((t.job_id = \(jobID) AND t.job_id <> t.id) OR (t.id = \(jobID) AND t.job_id = t.id))
          AND t.state IN ('discarded', 'cancelled')
        ORDER BY id
        FOR UPDATE
        """
    }

    /// The task, if discarded or cancelled, and the tasks cancelled because of it (its dependents,
    /// directly or not, that are cancelled), locked, in id order.
    func taskRetryTargets(taskID: Int64) -> PostgresQuery {
        """
        WITH RECURSIVE targets(id) AS (
            SELECT id FROM \(unescaped: schema).tasks WHERE id = \(taskID) AND state IN ('discarded', 'cancelled')
            UNION
            SELECT d.task_id FROM \(unescaped: schema).task_dependencies d
            JOIN targets ON d.depends_on = targets.id
            JOIN \(unescaped: schema).tasks c ON c.id = d.task_id AND c.state = 'cancelled'
        )
        SELECT t.id FROM \(unescaped: schema).tasks t JOIN targets ON targets.id = t.id
        ORDER BY t.id
        FOR UPDATE OF t
        """
    }

    /// Locks the dependencies of the tasks to redrive, so none completes between the count of
    /// unfinished dependencies and the commit (its completion would then miss the redriven task).
    func taskRetryLockDependencies(_ ids: [Int64]) -> PostgresQuery {
        """
        SELECT 1 FROM \(unescaped: schema).tasks
        WHERE id IN (SELECT depends_on FROM \(unescaped: schema).task_dependencies WHERE task_id = ANY(\(ids)::int8[]))
        ORDER BY id
        FOR SHARE
        """
    }

    /// Sends the locked tasks back to run with a fresh attempt budget: `blocked` while a dependency
    /// is unfinished, else available.
    func taskRedrive(_ ids: [Int64]) -> PostgresQuery {
        """
        WITH pending AS (
            SELECT d.task_id, count(*)::int4 AS n
            FROM \(unescaped: schema).task_dependencies d
            JOIN \(unescaped: schema).tasks p ON p.id = d.depends_on
            WHERE d.task_id = ANY(\(ids)::int8[]) AND p.state <> 'completed'
            GROUP BY d.task_id
        ), redriven AS (
            UPDATE \(unescaped: schema).tasks t
            SET state = (CASE WHEN coalesce(pending.n, 0) > 0 THEN 'blocked' ELSE 'available' END)
                    ::\(unescaped: schema).task_state,
                blockers = coalesce(pending.n, 0),
                max_attempts = t.attempt + coalesce(t.attempt_budget, t.max_attempts),
                run_at = now(),
                finished_at = NULL,
                progress = NULL,
                progress_message = NULL,
                redriven_at = now()
            FROM unnest(\(ids)::int8[]) AS x(id) LEFT JOIN pending ON pending.task_id = x.id
            WHERE t.id = x.id AND t.state IN ('discarded', 'cancelled')
            RETURNING t.queue, t.state
        ), notified AS (
            SELECT pg_notify('\(unescaped: workChannel)', queue)
            FROM (SELECT DISTINCT queue FROM redriven WHERE state = 'available') AS queues
        )
        SELECT (SELECT count(*) FROM redriven), (SELECT count(*) FROM notified)
        """
    }

    // MARK: Artifacts

    /// Records an artifact if the attempt still holds its task; a later attempt's record replaces it.
    func artifactRegister(taskID: Int64, attempt: Int16, artifact: StoredArtifact) -> PostgresQuery {
        """
        INSERT INTO \(unescaped: schema).artifacts
            (task_id, name, job_id, owner, storage_key, content_type, size, sha256, attempt)
        SELECT t.id, \(artifact.key.name), t.job_id, t.owner, \(artifact.key.storageKey), \(artifact.contentType),
               \(Int64(artifact.size)), \(artifact.sha256), t.attempt
        FROM \(unescaped: schema).tasks t
        WHERE t.id = \(taskID) AND t.attempt = \(attempt) AND t.state = 'running'
        ON CONFLICT (task_id, name) DO UPDATE
        SET storage_key = EXCLUDED.storage_key, content_type = EXCLUDED.content_type, size = EXCLUDED.size,
            sha256 = EXCLUDED.sha256, attempt = EXCLUDED.attempt, created_at = now()
        RETURNING 1
        """
    }

    func artifactList(jobID: Int64) -> PostgresQuery {
        """
        SELECT job_id, task_id, name, storage_key, content_type, size, sha256, attempt, created_at
        FROM \(unescaped: schema).artifacts WHERE job_id = \(jobID)
        ORDER BY task_id, name
        """
    }

    // MARK: Maintenance

    func taskRescueExpired(now: Date?, limit: Int, policy: RetryPolicy) -> PostgresQuery {
        """
        WITH expired AS (
            SELECT id FROM \(unescaped: schema).tasks
            WHERE state = 'running' AND lease_expires_at < coalesce(\(now)::timestamptz, now())
            ORDER BY lease_expires_at
            LIMIT \(limit)
            FOR UPDATE SKIP LOCKED
        ), rescued AS (
            UPDATE \(unescaped: schema).tasks t
            SET state = (CASE WHEN t.attempt >= t.max_attempts THEN 'discarded' ELSE 'retryable' END)
                    ::\(unescaped: schema).task_state,
                run_at = CASE WHEN t.attempt >= t.max_attempts THEN t.run_at
                    ELSE coalesce(\(now)::timestamptz, now()) + make_interval(secs =>
                        least(\(policy.maximum.seconds)::float8,
                              \(policy.initial.seconds)::float8 * power(\(policy.multiplier)::float8, t.attempt - 1))
                        * (1 + \(policy.jitter)::float8 * random()))
                    END,
                finished_at = CASE WHEN t.attempt >= t.max_attempts THEN coalesce(\(now)::timestamptz, now()) END,
                errors = t.errors || jsonb_build_array(jsonb_build_object(
                    'attempt', t.attempt,
                    'at', extract(epoch FROM coalesce(\(now)::timestamptz, now())),
                    'error', 'lease expired: worker ' || coalesce(t.worker_id, 'unknown') || ' stopped heartbeating',
                    'worker', t.worker_id)),
                worker_id = NULL,
                lease_expires_at = NULL
            FROM expired WHERE t.id = expired.id
            RETURNING t.state
        )
        SELECT count(*) FILTER (WHERE state = 'retryable'), count(*) FILTER (WHERE state = 'discarded') FROM rescued
        """
    }

    func taskPromoteDue(now: Date?, limit: Int) -> PostgresQuery {
        """
        WITH due AS (
            SELECT id FROM \(unescaped: schema).tasks
            WHERE state IN ('scheduled', 'retryable') AND run_at <= coalesce(\(now)::timestamptz, now())
            ORDER BY run_at
            LIMIT \(limit)
            FOR UPDATE SKIP LOCKED
        ), promoted AS (
            UPDATE \(unescaped: schema).tasks t SET state = 'available'
            FROM due WHERE t.id = due.id
            RETURNING t.queue
        ), notified AS (
            SELECT pg_notify('\(unescaped: workChannel)', queue) FROM (SELECT DISTINCT queue FROM promoted) AS queues
        )
        SELECT (SELECT count(*) FROM promoted), (SELECT count(*) FROM notified)
        """
    }

    func taskPrune(completedBefore: Date, failedBefore: Date, limit: Int) -> PostgresQuery {
        """
        WITH doomed AS (
            SELECT id FROM \(unescaped: schema).tasks
            WHERE state IN ('completed', 'discarded', 'cancelled')
              AND finished_at < greatest(\(completedBefore)::timestamptz, \(failedBefore)::timestamptz)
              AND ((state <> 'discarded' AND finished_at < \(completedBefore)::timestamptz)
                   OR (state = 'discarded' AND finished_at < \(failedBefore)::timestamptz))
            LIMIT \(limit)
            FOR UPDATE SKIP LOCKED
        ), deleted AS (
            DELETE FROM \(unescaped: schema).tasks t USING doomed WHERE t.id = doomed.id
            RETURNING t.id, t.job_id
        ), dependencies_deleted AS (
            DELETE FROM \(unescaped: schema).task_dependencies d USING deleted WHERE d.task_id = deleted.id
            RETURNING 1
        ), dependents_deleted AS (
            DELETE FROM \(unescaped: schema).task_dependencies d USING deleted WHERE d.depends_on = deleted.id
            RETURNING 1
        ), jobs_deleted AS (
            DELETE FROM \(unescaped: schema).jobs j
            WHERE j.id IN (SELECT job_id FROM deleted)
              AND NOT EXISTS (
                  SELECT 1 FROM \(unescaped: schema).tasks t
                  WHERE t.job_id = j.id AND t.job_id <> t.id AND t.id NOT IN (SELECT id FROM deleted))
            RETURNING j.id
        ), events_deleted AS (
            -- A job's log goes with its last task, never in part: positions in it must not shift.
            DELETE FROM \(unescaped: schema).job_events e
            WHERE e.job_id IN (
                SELECT d.job_id FROM deleted d
                WHERE d.job_id <> d.id
                  AND NOT EXISTS (
                      SELECT 1 FROM \(unescaped: schema).tasks t
                      WHERE t.job_id = d.job_id AND t.job_id <> t.id AND t.id NOT IN (SELECT id FROM deleted)))
        )
        SELECT (SELECT count(*) FROM deleted), (SELECT count(*) FROM jobs_deleted),
               (SELECT count(*) FROM dependencies_deleted) + (SELECT count(*) FROM dependents_deleted)
        """
    }

    func leaderAttemptElect(name: String, leaderID: String, ttlSeconds: Double, now: Date?) -> PostgresQuery {
        """
        INSERT INTO \(unescaped: schema).leader AS l (name, leader_id, elected_at, expires_at)
        VALUES (\(name), \(leaderID), coalesce(\(now)::timestamptz, now()),
                coalesce(\(now)::timestamptz, now()) + make_interval(secs => \(ttlSeconds)))
        ON CONFLICT (name) DO UPDATE
        SET leader_id = EXCLUDED.leader_id,
            expires_at = EXCLUDED.expires_at,
            elected_at = CASE WHEN l.leader_id = EXCLUDED.leader_id THEN l.elected_at ELSE EXCLUDED.elected_at END
        WHERE l.leader_id = EXCLUDED.leader_id OR l.expires_at < EXCLUDED.elected_at
        RETURNING leader_id
        """
    }

    func leaderResign(name: String, leaderID: String) -> PostgresQuery {
        "DELETE FROM \(unescaped: schema).leader WHERE name = \(name) AND leader_id = \(leaderID)"
    }

    // MARK: Reads

    func taskGet(_ id: Int64) -> PostgresQuery {
        "SELECT \(unescaped: taskColumns) FROM \(unescaped: schema).tasks WHERE id = \(id)"
    }

    /// The job's tasks, each row carrying the job row's columns (NULL for a single-task job, which
    /// has none): one statement, so the job and its tasks come from one snapshot.
    func jobGet(_ id: Int64) -> PostgresQuery {
        """
        SELECT \(unescaped: taskColumns), j.owner, j.kind, j.idempotency_key, j.created_at, j.metadata::text
        FROM \(unescaped: schema).tasks
        LEFT JOIN \(unescaped: schema).jobs j ON j.id = \(id)
        WHERE (job_id = \(id) AND job_id <> tasks.id) OR (tasks.id = \(id) AND job_id = tasks.id)
        ORDER BY tasks.id
        """
    }

    /// The job's log in (xid, id) order, only rows of transactions older than every running one:
    /// any row still to come sorts after them, so the position of a row read never changes.
    func jobEventList(jobID: Int64, offset: Int, limit: Int) -> PostgresQuery {
        """
        SELECT task_id, name, state, attempt, progress, progress_message, error, at
        FROM \(unescaped: schema).job_events
        WHERE job_id = \(jobID) AND xid < pg_snapshot_xmin(pg_current_snapshot())
        ORDER BY xid, id
        OFFSET \(offset) LIMIT \(limit)
        """
    }

    /// Every committed row of a job's log, those not yet returned by ``jobEventList`` included.
    func jobEventCount(jobID: Int64) -> PostgresQuery {
        "SELECT count(*) FROM \(unescaped: schema).job_events WHERE job_id = \(jobID)"
    }

    /// A page of job heads, newest first: single-task jobs (their task, `job_id = id`) and jobs
    /// with a row, merged by id; then, per job, its tasks' states, the progress its running tasks
    /// reported and its last finish time.
    func jobList(owner: String?, kind: String?, before: Int64, limit: Int) -> PostgresQuery {
        """
        WITH heads AS (
            (SELECT t.id, t.owner, t.kind, t.created_at FROM \(unescaped: schema).tasks t
             WHERE t.job_id = t.id AND t.id < \(before)
               AND (\(owner)::text IS NULL OR t.owner = \(owner)) AND (\(kind)::text IS NULL OR t.kind = \(kind))
             ORDER BY t.id DESC LIMIT \(limit))
            UNION ALL
            (SELECT j.id, j.owner, j.kind, j.created_at FROM \(unescaped: schema).jobs j
             WHERE j.id < \(before)
               AND (\(owner)::text IS NULL OR j.owner = \(owner)) AND (\(kind)::text IS NULL OR j.kind = \(kind))
             ORDER BY j.id DESC LIMIT \(limit))
        ), page AS (
            SELECT * FROM heads ORDER BY id DESC LIMIT \(limit)
        )
        SELECT page.id, page.owner, page.kind, page.created_at, s.states, s.progress, s.finished_at
        FROM page, LATERAL (
            SELECT array_agg(t.state::text) AS states,
                   coalesce(sum(t.progress) FILTER (WHERE t.state = 'running'), 0)::int8 AS progress,
                   max(t.finished_at) AS finished_at
            FROM \(unescaped: schema).tasks t
            WHERE (t.job_id = page.id AND t.job_id <> t.id) OR (t.id = page.id AND t.job_id = t.id)
        ) s
        WHERE s.states IS NOT NULL
        ORDER BY page.id DESC
        """
    }

    /// Enters the owner's scope for the rest of the transaction: the restricted role, under which
    /// row-level security shows only rows of the owner set here.
    func ownerScopeEnter(owner: String) -> PostgresQuery {
        "SELECT set_config('role', \(schema + "_api"), true), set_config('conveyor.owner', \(owner), true)"
    }

    // MARK: Tokens

    func tokenInsert(owner: String, role: String, sha256: String, label: String?) -> PostgresQuery {
        """
        INSERT INTO \(unescaped: schema).tokens (owner, role, sha256, label)
        VALUES (\(owner), \(role), \(sha256), \(label))
        RETURNING id, owner, role, label, created_at, revoked_at
        """
    }

    func tokenFindActive(sha256: String) -> PostgresQuery {
        """
        SELECT id, owner, role, label, created_at, revoked_at FROM \(unescaped: schema).tokens
        WHERE sha256 = \(sha256) AND revoked_at IS NULL
        """
    }

    func tokenRevoke(id: Int64?, sha256: String?) -> PostgresQuery {
        """
        UPDATE \(unescaped: schema).tokens SET revoked_at = now()
        WHERE (id = \(id) OR sha256 = \(sha256)) AND revoked_at IS NULL
        RETURNING id
        """
    }

    func tokenList() -> PostgresQuery {
        "SELECT id, owner, role, label, created_at, revoked_at FROM \(unescaped: schema).tokens ORDER BY id"
    }

    func workerUnregister(_ id: String) -> PostgresQuery {
        "DELETE FROM \(unescaped: schema).workers WHERE id = \(id)"
    }

    func workerList() -> PostgresQuery {
        """
        SELECT id, host, pid, queues, capacity, started_at, last_heartbeat_at
        FROM \(unescaped: schema).workers ORDER BY started_at, id
        """
    }

    func statsQueues(since: Date) -> PostgresQuery {
        """
        SELECT queue, state::text, count(*) FROM \(unescaped: schema).tasks
        WHERE state IN ('blocked', 'scheduled', 'available', 'running', 'retryable')
        GROUP BY queue, state
        UNION ALL
        SELECT queue, state::text, count(*) FROM \(unescaped: schema).tasks
        WHERE state IN ('completed', 'discarded', 'cancelled') AND finished_at >= \(since)
        GROUP BY queue, state
        UNION ALL
        SELECT queue, 'expired', count(*) FROM \(unescaped: schema).tasks
        WHERE state = 'running' AND lease_expires_at < now()
        GROUP BY queue
        UNION ALL
        SELECT queue, 'dead', count(*) FROM \(unescaped: schema).tasks WHERE state = 'discarded'
        GROUP BY queue
        """
    }
}

/// Task inserts as column arrays, for one `unnest` insert.
struct TaskInsertColumns {
    var kinds: [String] = []
    var queues: [String] = []
    var inputs: [String] = []
    var priorities: [Int16] = []
    var runAts: [Date] = []
    var maxAttempts: [Int16] = []
    /// Each task's resources joined by commas (names cannot hold one); empty for none.
    var resources: [String] = []
    /// Empty for a task without a name.
    var names: [String] = []
    /// Dependencies on tasks of the same insert, not yet completed.
    var blockers: [Int32] = []
    /// Each dependency as a pair of 1-based positions: `dependencyTasks[i]` waits for `dependencyTargets[i]`.
    var dependencyTasks: [Int64] = []
    var dependencyTargets: [Int64] = []
    var count: Int { kinds.count }

    init(_ tasks: [TaskInsert]) {
        kinds.reserveCapacity(tasks.count)
        queues.reserveCapacity(tasks.count)
        inputs.reserveCapacity(tasks.count)
        priorities.reserveCapacity(tasks.count)
        runAts.reserveCapacity(tasks.count)
        maxAttempts.reserveCapacity(tasks.count)
        resources.reserveCapacity(tasks.count)
        for task in tasks {
            kinds.append(task.kind)
            queues.append(task.queue)
            inputs.append(task.input)
            priorities.append(task.priority.rawValue)
            runAts.append(task.runAt ?? PostgresQueries.now)
            maxAttempts.append(Int16(clamping: task.maxAttempts))
            resources.append(task.resources.isEmpty ? "" : task.resources.joined(separator: ","))
            names.append(task.name ?? "")
            blockers.append(Int32(task.dependsOn.count))
            for target in task.dependsOn {
                dependencyTasks.append(Int64(names.count))
                dependencyTargets.append(Int64(target + 1))
            }
        }
    }
}

/// Outcomes as column arrays, for one `unnest` update.
struct CompletionColumns {
    var ids: [Int64] = []
    var attempts: [Int16] = []
    var states: [String] = []
    var results: [String] = []
    var errors: [String] = []
    var runAts: [Date] = []
    var extraAttempts: [Int16] = []

    init(_ completions: [TaskCompletion]) {
        for completion in completions {
            var state: TaskState
            var result = ""
            var error = ""
            var runAt = PostgresQueries.now
            var extra: Int16 = 0
            switch completion.outcome {
            case .completed(let output):
                state = .completed
                result = output ?? ""
            case .retry(let at, let failure):
                state = .retryable
                runAt = at
                error = failure.storageJSON
            case .discarded(let failure):
                state = .discarded
                error = failure.storageJSON
            case .snoozed(let until):
                state = .scheduled
                runAt = until
                extra = 1
            case .released:
                state = .available
                extra = 1
            case .cancelled(let failure):
                state = .cancelled
                error = failure.storageJSON
            }
            ids.append(completion.id.rawValue)
            attempts.append(Int16(clamping: completion.attempt))
            states.append(state.rawValue)
            results.append(result)
            errors.append(error)
            runAts.append(runAt)
            extraAttempts.append(extra)
        }
    }
}

/// A queue's settings as the columns of ``PostgresQueries/queueSettingsPut(_:)``.
struct QueueSettingsColumns {
    var name: String
    var paused: Bool
    var concurrencyLimit: Int32?
    var rateLimit: Int32?
    var rateIntervalMilliseconds: Int64?
    var timeoutMilliseconds: Int64?
    var maxAttempts: Int16?
    var fairShare: Bool
    var peakStart: Int16?
    var peakEnd: Int16?
    var peakMultiplier: Double?
    var peakTimeZone: String?

    init(_ settings: QueueSettings) {
        name = settings.name
        paused = settings.paused
        concurrencyLimit = settings.concurrencyLimit.map { Int32(clamping: $0) }
        rateLimit = settings.rateLimit.map { Int32(clamping: $0.count) }
        rateIntervalMilliseconds = settings.rateLimit?.intervalMilliseconds
        timeoutMilliseconds = settings.timeout.map { Int64(($0.seconds * 1000).rounded()) }
        maxAttempts = settings.maxAttempts.map { Int16(clamping: $0) }
        fairShare = settings.fairShare
        peakStart = settings.peak.map { Int16(clamping: $0.start) }
        peakEnd = settings.peak.map { Int16(clamping: $0.end) }
        peakMultiplier = settings.peak?.multiplier
        peakTimeZone = settings.peak?.timeZone
    }
}

/// A resource's settings as the columns of ``PostgresQueries/resourceSettingsPut(_:)``.
struct ResourceSettingsColumns {
    var name: String
    var concurrencyLimit: Int32?
    var rateLimit: Int32?
    var rateIntervalMilliseconds: Int64?
    var peakStart: Int16?
    var peakEnd: Int16?
    var peakMultiplier: Double?
    var peakTimeZone: String?

    init(_ settings: ResourceSettings) {
        name = settings.name
        concurrencyLimit = settings.concurrencyLimit.map { Int32(clamping: $0) }
        rateLimit = settings.rateLimit.map { Int32(clamping: $0.count) }
        rateIntervalMilliseconds = settings.rateLimit?.intervalMilliseconds
        peakStart = settings.peak.map { Int16(clamping: $0.start) }
        peakEnd = settings.peak.map { Int16(clamping: $0.end) }
        peakMultiplier = settings.peak?.multiplier
        peakTimeZone = settings.peak?.timeZone
    }
}

/// What ``PostgresQueries/taskClaimLimited(_:)`` binds.
struct FlowClaimColumns {
    var queue: String
    var requested: Int
    var window: Int
    var workerID: String
    var leaseSeconds: Double
    /// Nil stamps starts with the database's clock, read after the locks.
    var now: Date?
    /// Tasks (id, attempt) whose handlers returned: not counted as running.
    var returnedIDs: [Int64] = []
    var returnedAttempts: [Int16] = []
    /// The running task to reserve a follower for, when reserving.
    var followsID: Int64?
    var followsAttempt: Int16?
}
