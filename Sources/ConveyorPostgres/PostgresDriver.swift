public import Conveyor
import Foundation
public import Logging
public import PostgresNIO

/// The PostgreSQL driver: the distributed engine. Every worker on every machine shares one database.
///
/// ```swift
/// let postgres = PostgresClient(configuration: try PostgresDriver.clientConfiguration(url: url))
/// let client = ConveyorClient(try PostgresDriver(client: postgres))
/// // run `postgres` (it is a Service) alongside your workers, e.g. in a ServiceGroup
/// ```
public struct PostgresDriver: QueueDriver {
    public let client: PostgresClient
    /// The schema that holds Conveyor's tables (default `conveyor`).
    public let schema: String
    /// When set, every statement runs on this connection, inside the caller's transaction.
    let connection: PostgresConnection?
    let logger: Logger
    let queries: PostgresQueries

    /// - Parameters:
    ///   - client: a running `PostgresClient` (it is a `Service`: run it in your service group).
    ///   - schema: where the tables live; a plain identifier (letters, digits, underscore).
    public init(
        client: PostgresClient, schema: String = "conveyor", logger: Logger = Logger(label: "conveyor.postgres")
    )
        throws
    {
        guard Self.isPlainIdentifier(schema) else {
            throw ConveyorError(
                .invalidConfiguration,
                "schema name '\(schema)' must start with a letter or underscore and hold only lowercase letters, digits and underscores (at most 50)"
            )
        }
        self.client = client
        self.schema = schema
        self.connection = nil
        self.logger = logger
        self.queries = PostgresQueries(schema: schema)
    }

    private init(bound connection: PostgresConnection, to driver: PostgresDriver) {
        self.client = driver.client
        self.schema = driver.schema
        self.connection = connection
        self.logger = driver.logger
        self.queries = driver.queries
    }

    /// A copy of this driver whose statements run on `connection`: in the caller's transaction.
    public func bound(to connection: PostgresConnection) -> PostgresDriver {
        PostgresDriver(bound: connection, to: self)
    }

    static func isPlainIdentifier(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, name.count <= 50 else { return false }
        let lower = "abcdefghijklmnopqrstuvwxyz_"
        let allowed = lower + "0123456789"
        return lower.unicodeScalars.contains(first)
            && name.unicodeScalars.allSatisfy { allowed.unicodeScalars.contains($0) }
    }

    // MARK: Running statements

    /// Runs one statement and reads all its rows, so that an error the server raises while
    /// streaming rows is wrapped like any other.
    @discardableResult
    func run(_ query: PostgresQuery) async throws -> [PostgresRow] {
        do {
            if let connection {
                return try await connection.query(query, logger: logger).collect()
            }
            return try await client.query(query, logger: logger).collect()
        } catch let error as PSQLError {
            throw Self.wrap(error)
        }
    }

    static func wrap(_ error: PSQLError) -> ConveyorError {
        // A deadlock or serialization failure says nothing about the statement: running it again
        // succeeds, so callers that retry on an unavailable database retry it.
        if let state = error.serverInfo?[.sqlState], state == "40P01" || state == "40001" {
            return ConveyorError(
                .databaseUnavailable, "PostgreSQL: \(error.serverInfo?[.message] ?? state); try again",
                underlying: error)
        }
        if let message = error.serverInfo?[.message] {
            return ConveyorError(.databaseFailure, "PostgreSQL: \(message)", underlying: error)
        }
        return ConveyorError(
            .databaseUnavailable, "PostgreSQL could not be reached or closed the connection", underlying: error)
    }

    // MARK: Migrations

    public func migrate() async throws {
        do {
            try await client.withConnection { connection in
                try await connection.withTransaction(logger: logger) { connection in
                    try await connection.query(queries.migrationLock(), logger: logger)
                    try await connection.query(queries.migrationCreateSchema(), logger: logger)
                    try await connection.query(queries.migrationCreateVersionTable(), logger: logger)
                    var applied = Set<Int>()
                    for try await version in try await connection.query(queries.migrationApplied(), logger: logger)
                        .decode(Int.self)
                    {
                        applied.insert(version)
                    }
                    for migration in PostgresMigrations.all where !applied.contains(migration.version) {
                        logger.info(
                            "applying migration", metadata: ["version": "\(migration.version)", "schema": "\(schema)"])
                        for statement in migration.statements {
                            try await connection.query(queries.migrationStatement(statement), logger: logger)
                        }
                        try await connection.query(
                            queries.migrationRecord(version: migration.version, name: migration.name), logger: logger
                        )
                    }
                }
            }
        } catch let error as PostgresTransactionError {
            let cause = error.closureError ?? error.commitError ?? error.beginError ?? error
            if let psql = cause as? PSQLError {
                throw ConveyorError(
                    .migrationFailure, "migrating schema '\(schema)' failed: \(Self.wrap(psql).message)",
                    underlying: error)
            }
            throw ConveyorError(.migrationFailure, "migrating schema '\(schema)' failed: \(cause)", underlying: error)
        } catch let error as PSQLError {
            throw Self.wrap(error)
        }
    }

    /// The migration versions applied, highest last; empty when the schema does not exist yet.
    public func appliedMigrations() async throws -> [Int] {
        let exists =
            try await run(
                "SELECT to_regclass(\(schema + ".schema_migrations")) IS NOT NULL"
            ).decodeAll(Bool.self).first ?? false
        guard exists else { return [] }
        var versions: [Int] = []
        for version in try await run(queries.migrationApplied()).decodeAll(Int.self) {
            versions.append(version)
        }
        return versions.sorted()
    }

    /// The highest migration version this build knows.
    public static var latestMigration: Int { PostgresMigrations.all.map(\.version).max() ?? 0 }

    /// Every migration version this build knows, in order; numbers may skip (a version another
    /// line of work holds).
    public static var migrationVersions: [Int] { PostgresMigrations.all.map(\.version).sorted() }

    // MARK: Enqueue

    package func taskInsertMany(_ params: TaskInsertManyParams) async throws -> [TaskID] {
        let rows = try await run(queries.taskInsertMany(owner: params.owner, tasks: TaskInsertColumns(params.tasks)))
        for (ids, _) in try rows.decodeAll(([Int64], Int64).self) {
            return ids.map { TaskID($0) }
        }
        throw ConveyorError(.databaseFailure, "the insert of \(params.tasks.count) tasks returned no ids")
    }

    package func jobInsert(_ params: JobInsertParams) async throws -> JobInsertResult {
        let rows = try await run(
            queries.jobInsert(
                owner: params.owner, kind: params.kind, idempotencyKey: params.idempotencyKey,
                fingerprint: params.requestFingerprint, metadata: params.metadata,
                tasks: TaskInsertColumns(params.tasks)
            )
        )
        for (jobID, taskIDs, _) in try rows.decodeAll((Int64?, [Int64], Int64).self) {
            if let jobID {
                return JobInsertResult(jobID: JobID(jobID), taskIDs: taskIDs.map { TaskID($0) }, existing: false)
            }
        }
        guard let key = params.idempotencyKey else {
            throw ConveyorError(.databaseFailure, "the job was not inserted")
        }
        let existing = try await run(queries.jobFindByIdempotencyKey(owner: params.owner, key: key))
        for (jobID, taskIDs, fingerprint) in try existing.decodeAll((Int64, [Int64], String?).self) {
            return JobInsertResult(
                jobID: JobID(jobID), taskIDs: taskIDs.map { TaskID($0) }, existing: true,
                requestFingerprint: fingerprint)
        }
        throw ConveyorError(.databaseFailure, "the job with idempotency key '\(key)' vanished while it was read")
    }

    // MARK: Hot path

    package func taskClaim(_ params: TaskClaimParams) async throws -> [ClaimedTask] {
        let rows = try await run(
            queries.taskClaim(
                queue: params.queue, limit: params.limit, workerID: params.workerID,
                leaseSeconds: params.leaseDuration.seconds
            )
        )
        var tasks: [ClaimedTask] = []
        tasks.reserveCapacity(params.limit)
        for (id, jobID, kind, queue, owner, input, attempt, maxAttempts, priority, createdAt) in try rows.decodeAll(
            (Int64, Int64, String, String, String, String, Int16, Int16, Int16, Date).self
        ) {
            tasks.append(
                ClaimedTask(
                    id: TaskID(id), jobID: JobID(jobID), kind: kind, queue: queue, owner: owner, input: input,
                    attempt: Int(attempt), maxAttempts: Int(maxAttempts), priority: Priority(rawValue: priority),
                    createdAt: createdAt
                )
            )
        }
        return tasks
    }

    package func taskCompleteMany(_ params: TaskCompleteManyParams) async throws -> [TaskID] {
        guard !params.completions.isEmpty else { return [] }
        let rows = try await run(queries.taskCompleteMany(CompletionColumns(params.completions)))
        var ids: [TaskID] = []
        ids.reserveCapacity(params.completions.count)
        for id in try rows.decodeAll(Int64.self) { ids.append(TaskID(id)) }
        return ids
    }

    package func taskReportProgress(_ params: TaskReportProgressParams) async throws -> Bool {
        let rows = try await run(
            queries.taskReportProgress(
                id: params.id.rawValue, attempt: Int16(clamping: params.attempt),
                percent: Int16(clamping: params.percent),
                message: params.message
            )
        )
        return !rows.isEmpty
    }

    package func workerHeartbeat(_ params: WorkerHeartbeatParams) async throws -> [TaskID] {
        let rows = try await run(
            queries.workerHeartbeat(
                params.worker, taskIDs: params.taskIDs.map(\.rawValue), leaseSeconds: params.leaseDuration.seconds
            )
        )
        var ids: [TaskID] = []
        for id in try rows.decodeAll(Int64.self) { ids.append(TaskID(id)) }
        return ids
    }

    package func listenForWork(_ onSignal: @escaping @Sendable (WorkSignal) -> Void) async throws {
        do {
            try await client.withConnection { connection in
                try await connection.listen(on: queries.workChannel) { notifications in
                    onSignal(.listening)
                    for try await notification in notifications {
                        onSignal(.work(queue: notification.payload))
                    }
                }
            }
        } catch let error as PSQLError {
            throw Self.wrap(error)
        }
    }

    // MARK: Maintenance

    package func taskRescueExpired(_ params: TaskRescueExpiredParams) async throws -> TaskRescueResult {
        let rows = try await run(
            queries.taskRescueExpired(now: params.now, limit: params.limit, policy: params.retryPolicy)
        )
        for (retried, discarded) in try rows.decodeAll((Int64, Int64).self) {
            return TaskRescueResult(retried: Int(retried), discarded: Int(discarded))
        }
        return TaskRescueResult(retried: 0, discarded: 0)
    }

    package func taskPromoteDue(_ params: TaskPromoteDueParams) async throws -> Int {
        let rows = try await run(queries.taskPromoteDue(now: params.now, limit: params.limit))
        for (promoted, _) in try rows.decodeAll((Int64, Int64).self) { return Int(promoted) }
        return 0
    }

    package func taskPrune(_ params: TaskPruneParams) async throws -> Int {
        let rows = try await run(
            queries.taskPrune(
                completedBefore: params.completedBefore, failedBefore: params.failedBefore, limit: params.limit
            )
        )
        for (tasks, _, _) in try rows.decodeAll((Int64, Int64, Int64).self) { return Int(tasks) }
        return 0
    }

    package func leaderAttemptElect(_ params: LeaderElectParams) async throws -> Bool {
        let rows = try await run(
            queries.leaderAttemptElect(
                name: params.name, leaderID: params.leaderID, ttlSeconds: params.ttl.seconds, now: params.now
            )
        )
        for _ in try rows.decodeAll(String.self) { return true }
        return false
    }

    package func leaderResign(_ params: LeaderResignParams) async throws {
        try await run(queries.leaderResign(name: params.name, leaderID: params.leaderID))
    }

    // MARK: Reads

    package func taskGet(_ id: TaskID) async throws -> TaskSnapshot? {
        try Self.decodeTasks(try await run(queries.taskGet(id.rawValue))).first
    }

    package func jobGet(_ id: JobID) async throws -> JobSnapshot? {
        let rows = try await run(queries.jobGet(id.rawValue))
        let tasks = try Self.decodeTasks(rows)
        guard let first = rows.first else { return nil }
        let cells = first.makeRandomAccess()
        let jobColumn = Self.taskColumnCount
        if let owner = try cells[jobColumn].decode(String?.self) {
            var job = JobSnapshot(
                id: id, owner: owner, kind: try cells[jobColumn + 1].decode(String.self),
                idempotencyKey: try cells[jobColumn + 2].decode(String?.self),
                createdAt: try cells[jobColumn + 3].decode(Date.self), tasks: tasks
            )
            job.metadata = try cells[jobColumn + 4].decode(String?.self)
            return job
        }
        // A job without a jobs row is a single task's job (possibly grown by fan-out): it is that task's.
        guard let head = tasks.first(where: { $0.id.rawValue == id.rawValue }) else { return nil }
        return JobSnapshot(
            id: id, owner: head.owner, kind: head.kind, idempotencyKey: nil, createdAt: head.createdAt, tasks: tasks
        )
    }

    /// Columns in ``PostgresQueries/taskColumns``.
    static let taskColumnCount = 23

    package func workerUnregister(_ workerID: String) async throws {
        try await run(queries.workerUnregister(workerID))
    }

    package func workerList() async throws -> [WorkerInfo] {
        var workers: [WorkerInfo] = []
        for (id, host, pid, queues, capacity, startedAt, heartbeat) in try await run(queries.workerList())
            .decodeAll((String, String, Int, [String], Int, Date, Date).self)
        {
            workers.append(
                WorkerInfo(
                    id: id, host: host, pid: pid, queues: queues, capacity: capacity, startedAt: startedAt,
                    lastHeartbeatAt: heartbeat
                )
            )
        }
        return workers
    }

    package func statsQueues(_ params: StatsQueuesParams) async throws -> [QueueStats] {
        let rows = try await run(queries.statsQueues(since: params.since)).decodeAll((String, String, Int64).self)
        return QueueStats.fromCounts(rows.map { (queue: $0.0, state: $0.1, count: Int($0.2)) })
    }

    static func decodeTasks(_ rows: [PostgresRow]) throws -> [TaskSnapshot] {
        var tasks: [TaskSnapshot] = []
        for row in rows {
            let (id, jobID, kind, queue, owner, state, priority, attempt, maxAttempts, input) = try row.decode(
                (Int64, Int64, String, String, String, String, Int16, Int16, Int16, String).self,
                context: .default
            )
            let cells = row.makeRandomAccess()
            let result = try cells[10].decode(String?.self)
            let errors = try cells[11].decode(String.self)
            let runAt = try cells[12].decode(Date.self)
            let workerID = try cells[13].decode(String?.self)
            let leaseExpiresAt = try cells[14].decode(Date?.self)
            let createdAt = try cells[15].decode(Date.self)
            let attemptedAt = try cells[16].decode(Date?.self)
            let finishedAt = try cells[17].decode(Date?.self)
            var task = TaskSnapshot(
                id: TaskID(id), jobID: JobID(jobID), kind: kind, queue: queue, owner: owner,
                state: TaskState(rawValue: state) ?? .available, priority: Priority(rawValue: priority),
                attempt: Int(attempt), maxAttempts: Int(maxAttempts), input: input, result: result,
                errors: AttemptError.decodeStored(errors), runAt: runAt, workerID: workerID,
                leaseExpiresAt: leaseExpiresAt, createdAt: createdAt, attemptedAt: attemptedAt,
                finishedAt: finishedAt
            )
            task.progress = try cells[18].decode(Int16?.self).map(Int.init)
            task.progressMessage = try cells[19].decode(String?.self)
            task.name = try cells[20].decode(String?.self)
            task.redrivenAt = try cells[21].decode(Date?.self)
            task.dependsOn = try cells[22].decode([Int64].self).map { TaskID($0) }
            tasks.append(task)
        }
        return tasks
    }
}

extension ConveyorClient {
    /// A client on PostgreSQL.
    public init(_ driver: PostgresDriver) {
        self.init(driver: driver)
    }

    /// A client whose enqueues run on `connection`, inside the caller's transaction: the tasks
    /// exist if and only if the transaction commits.
    ///
    /// ```swift
    /// try await postgres.withTransaction(logger: logger) { connection in
    ///     try await connection.query("INSERT INTO orders …", logger: logger)
    ///     try await client.transactional(on: connection).enqueue(SendReceipt(order: id))
    /// }
    /// ```
    public func transactional(on connection: PostgresConnection) throws -> ConveyorClient {
        guard let postgres = driver as? PostgresDriver else {
            throw ConveyorError(.unsupported, "enqueueing in a caller's transaction needs the PostgreSQL driver")
        }
        return ConveyorClient(driver: postgres.bound(to: connection))
    }
}

extension [PostgresRow] {
    /// Decodes every row into a tuple of columns.
    func decodeAll<each Column: PostgresDecodable>(_ type: (repeat each Column).Type) throws -> [(repeat each Column)] {
        try map { try $0.decode(type) }
    }
}
