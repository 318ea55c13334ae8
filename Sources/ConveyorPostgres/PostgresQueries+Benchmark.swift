import PostgresNIO

/// The statements `conveyor bench` needs beyond the driver's own: bulk seeding, settling the
/// tables between phases, and reading back what the database recorded. Kept with the driver's
/// SQL so that no SQL lives outside this target.
extension PostgresQueries {
    /// Moves the id sequence on by `count` and returns the new last value, so that ids
    /// `last - count + 1 ... last` belong to the caller alone.
    func benchReserveIDs(count: Int) -> PostgresQuery {
        "SELECT setval('\(unescaped: schema).ids', (SELECT last_value FROM \(unescaped: schema).ids) + \(count))"
    }

    /// Inserts finished tasks with ids `from ... to`, finished within the last 12 hours (inside the
    /// pruner's default retention, so maintenance leaves them alone during a run).
    func benchSeedFinished(from: Int64, to: Int64, kind: String, queue: String) -> PostgresQuery {
        """
        INSERT INTO \(unescaped: schema).tasks
            (id, job_id, owner, kind, queue, state, priority, input, attempt, max_attempts, run_at,
             created_at, attempted_at, finished_at)
        SELECT g, g, '', \(kind), \(queue), 'completed', 0, '{}', 1, 20, at, at, at, at + interval '2 ms'
        FROM generate_series(\(from)::int8, \(to)::int8) AS g,
             LATERAL (SELECT now() - make_interval(secs => (g % 43200)::float8 + 60) AS at) AS t
        """
    }

    /// Inserts scheduled tasks with ids `from ... to`, due between one and two days from now (so
    /// the scheduler does not promote them during a run).
    func benchSeedScheduled(from: Int64, to: Int64, kind: String, queue: String) -> PostgresQuery {
        """
        INSERT INTO \(unescaped: schema).tasks
            (id, job_id, owner, kind, queue, state, priority, input, attempt, max_attempts, run_at)
        SELECT g, g, '', \(kind), \(queue), 'scheduled', 0, '{}', 0, 20,
               now() + make_interval(secs => 86400 + (g % 86400)::float8)
        FROM generate_series(\(from)::int8, \(to)::int8) AS g
        """
    }

    func benchVacuumAnalyze() -> PostgresQuery {
        "VACUUM (ANALYZE) \(unescaped: schema).tasks"
    }

    func benchCheckpoint() -> PostgresQuery {
        "CHECKPOINT"
    }

    /// Whether any task of the queue is still waiting, running or due for a retry; each arm is
    /// answered from a partial index, so polling it costs little while a worker drains.
    func benchHasUnfinished(queue: String) -> PostgresQuery {
        """
        SELECT EXISTS (SELECT 1 FROM \(unescaped: schema).tasks WHERE state = 'available' AND queue = \(queue))
            OR EXISTS (SELECT 1 FROM \(unescaped: schema).tasks WHERE state = 'running' AND queue = \(queue))
            OR EXISTS (SELECT 1 FROM \(unescaped: schema).tasks WHERE state = 'retryable' AND queue = \(queue))
        """
    }

    /// What the database recorded for the tasks of one kind: how many completed, how many exist,
    /// the first claim, the last completion and the highest attempt.
    func benchSpan(kind: String) -> PostgresQuery {
        """
        SELECT count(*) FILTER (WHERE state = 'completed'), count(*), min(attempted_at), max(finished_at),
               coalesce(max(attempt), 0)::int8
        FROM \(unescaped: schema).tasks WHERE kind = \(kind)
        """
    }

    func benchDropSchema() -> PostgresQuery {
        "DROP SCHEMA IF EXISTS \(unescaped: schema) CASCADE"
    }

    /// The server settings a benchmark figure depends on.
    static func benchServerSettings() -> PostgresQuery {
        """
        SELECT name, current_setting(name) FROM pg_settings
        WHERE name IN ('server_version', 'synchronous_commit', 'fsync', 'full_page_writes', 'wal_sync_method',
                       'shared_buffers', 'max_wal_size', 'max_connections', 'shared_preload_libraries')
        ORDER BY name
        """
    }
}
