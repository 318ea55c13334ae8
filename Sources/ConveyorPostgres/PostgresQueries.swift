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

    /// Stands for "now" in arrays of run times, which cannot hold NULL.
    static let now = Date(timeIntervalSince1970: 0)

    static let taskColumns = """
        tasks.id, tasks.job_id, tasks.kind, tasks.queue, tasks.owner, tasks.state::text, tasks.priority,
        tasks.attempt, tasks.max_attempts, tasks.input::text, tasks.result::text, tasks.errors::text, tasks.run_at,
        tasks.worker_id, tasks.lease_expires_at, tasks.created_at, tasks.attempted_at, tasks.finished_at,
        tasks.progress, tasks.progress_message
        """

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

    func taskInsertMany(owner: String, tasks: TaskInsertColumns) -> PostgresQuery {
        """
        WITH input AS (
            SELECT nextval('\(unescaped: schema).ids') AS id, u.*
            FROM unnest(\(tasks.kinds)::text[], \(tasks.queues)::text[], \(tasks.inputs)::text[],
                        \(tasks.priorities)::int2[], \(tasks.runAts)::timestamptz[], \(tasks.maxAttempts)::int2[])
                AS u(kind, queue, input, priority, run_at, max_attempts)
        ), inserted AS (
            INSERT INTO \(unescaped: schema).tasks
                (id, job_id, owner, kind, queue, state, priority, input, max_attempts, run_at)
            SELECT id, id, \(owner), kind, queue,
                   (CASE WHEN run_at > now() THEN 'scheduled' ELSE 'available' END)::\(unescaped: schema).task_state,
                   priority, input::jsonb, max_attempts, greatest(run_at, now())
            FROM input
            RETURNING id, queue, state
        ), notified AS (
            SELECT pg_notify('\(unescaped: workChannel)', queue)
            FROM (SELECT DISTINCT queue FROM inserted WHERE state = 'available') AS queues
        )
        SELECT id FROM inserted CROSS JOIN (SELECT count(*) FROM notified) AS n ORDER BY id
        """
    }

    func jobInsert(owner: String, kind: String, idempotencyKey: String?, tasks: TaskInsertColumns) -> PostgresQuery {
        """
        WITH job AS (
            INSERT INTO \(unescaped: schema).jobs (id, owner, kind, idempotency_key, task_count)
            VALUES (nextval('\(unescaped: schema).ids'), \(owner), \(kind), \(idempotencyKey), \(tasks.count))
            ON CONFLICT (owner, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
            RETURNING id
        ), input AS (
            SELECT nextval('\(unescaped: schema).ids') AS id, job.id AS job_id, u.*
            FROM job, unnest(\(tasks.kinds)::text[], \(tasks.queues)::text[], \(tasks.inputs)::text[],
                        \(tasks.priorities)::int2[], \(tasks.runAts)::timestamptz[], \(tasks.maxAttempts)::int2[])
                AS u(kind, queue, input, priority, run_at, max_attempts)
        ), inserted AS (
            INSERT INTO \(unescaped: schema).tasks
                (id, job_id, owner, kind, queue, state, priority, input, max_attempts, run_at)
            SELECT id, job_id, \(owner), kind, queue,
                   (CASE WHEN run_at > now() THEN 'scheduled' ELSE 'available' END)::\(unescaped: schema).task_state,
                   priority, input::jsonb, max_attempts, greatest(run_at, now())
            FROM input
            RETURNING id, queue, state
        ), notified AS (
            SELECT pg_notify('\(unescaped: workChannel)', queue)
            FROM (SELECT DISTINCT queue FROM inserted WHERE state = 'available') AS queues
        )
        SELECT (SELECT id FROM job), array(SELECT id FROM inserted ORDER BY id), (SELECT count(*) FROM notified)
        """
    }

    func jobFindByIdempotencyKey(owner: String, key: String) -> PostgresQuery {
        """
        SELECT j.id, array(SELECT t.id FROM \(unescaped: schema).tasks t WHERE t.job_id = j.id AND t.job_id <> t.id ORDER BY t.id)
        FROM \(unescaped: schema).jobs j WHERE j.owner = \(owner) AND j.idempotency_key = \(key)
        """
    }

    // MARK: Hot path

    func taskClaim(queue: String, limit: Int, workerID: String, leaseSeconds: Double) -> PostgresQuery {
        """
        WITH picked AS (
            SELECT id FROM \(unescaped: schema).tasks
            WHERE state = 'available' AND queue = \(queue)
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
        ), jobs_deleted AS (
            DELETE FROM \(unescaped: schema).jobs j
            WHERE j.id IN (SELECT job_id FROM deleted)
              AND NOT EXISTS (
                  SELECT 1 FROM \(unescaped: schema).tasks t
                  WHERE t.job_id = j.id AND t.job_id <> t.id AND t.id NOT IN (SELECT id FROM deleted))
            RETURNING j.id
        )
        SELECT (SELECT count(*) FROM deleted), (SELECT count(*) FROM jobs_deleted)
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
        "SELECT \(unescaped: Self.taskColumns) FROM \(unescaped: schema).tasks WHERE id = \(id)"
    }

    /// The job's tasks, each row carrying the job row's columns (NULL for a single-task job, which
    /// has none): one statement, so the job and its tasks come from one snapshot.
    func jobGet(_ id: Int64) -> PostgresQuery {
        """
        SELECT \(unescaped: Self.taskColumns), j.owner, j.kind, j.idempotency_key, j.created_at
        FROM \(unescaped: schema).tasks
        LEFT JOIN \(unescaped: schema).jobs j ON j.id = \(id)
        WHERE (job_id = \(id) AND job_id <> tasks.id) OR (tasks.id = \(id) AND job_id = tasks.id)
        ORDER BY tasks.id
        """
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
    var count: Int { kinds.count }

    init(_ tasks: [TaskInsert]) {
        kinds.reserveCapacity(tasks.count)
        queues.reserveCapacity(tasks.count)
        inputs.reserveCapacity(tasks.count)
        priorities.reserveCapacity(tasks.count)
        runAts.reserveCapacity(tasks.count)
        maxAttempts.reserveCapacity(tasks.count)
        for task in tasks {
            kinds.append(task.kind)
            queues.append(task.queue)
            inputs.append(task.input)
            priorities.append(task.priority.rawValue)
            runAts.append(task.runAt ?? PostgresQueries.now)
            maxAttempts.append(Int16(clamping: task.maxAttempts))
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
