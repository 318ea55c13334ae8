public import Foundation

/// Enqueues tasks and reads jobs; the entry point of the library.
///
/// ```swift
/// let client = ConveyorClient(try PostgresDriver(url: "postgres://localhost/app"))
/// let job = try await client.enqueue(SendEmail(to: "ada@example.com"))
/// ```
public struct ConveyorClient: Sendable {
    package let driver: any QueueDriver

    package init(driver: any QueueDriver) {
        self.driver = driver
    }

    /// Applies pending schema migrations; safe to call from many processes at once.
    public func migrate() async throws {
        try await driver.migrate()
    }

    /// Enqueues one typed task as a job of its own.
    @discardableResult
    public func enqueue<T: TaskDefinition>(
        _ task: T, options: EnqueueOptions = .init()
    ) async throws
        -> EnqueuedJob
    {
        try await enqueue(NewTask(task, options: options), owner: options.owner, idempotencyKey: options.idempotencyKey)
    }

    /// Enqueues many typed tasks, each a job of its own, in one statement.
    @discardableResult
    public func enqueueMany<T: TaskDefinition>(
        _ tasks: [T], options: EnqueueOptions = .init()
    ) async throws
        -> [EnqueuedJob]
    {
        guard options.idempotencyKey == nil else {
            throw ConveyorError(
                .invalidInput, "an idempotency key names one job: enqueue tasks with keys one at a time"
            )
        }
        return try await enqueueMany(tasks.map { try NewTask($0, options: options) }, owner: options.owner)
    }

    /// Enqueues one task given by kind and JSON input.
    @discardableResult
    public func enqueue(
        _ task: NewTask, owner: String = "", idempotencyKey: String? = nil
    ) async throws
        -> EnqueuedJob
    {
        let insert = try Self.validated(task)
        try Self.requireNoDependencies([task])
        if let idempotencyKey {
            return try await enqueueJob(kind: task.kind, tasks: [task], owner: owner, idempotencyKey: idempotencyKey)
        }
        let ids = try await driver.taskInsertMany(.init(owner: owner, tasks: [insert]))
        return EnqueuedJob(jobID: JobID(ids[0].rawValue), taskIDs: ids, existing: false)
    }

    /// Enqueues many tasks, each a job of its own, in one statement: all are inserted or none.
    @discardableResult
    public func enqueueMany(_ tasks: [NewTask], owner: String = "") async throws -> [EnqueuedJob] {
        guard !tasks.isEmpty else { return [] }
        let inserts = try tasks.map(Self.validated)
        try Self.requireNoDependencies(tasks)
        let ids = try await driver.taskInsertMany(.init(owner: owner, tasks: inserts))
        return ids.map { EnqueuedJob(jobID: JobID($0.rawValue), taskIDs: [$0], existing: false) }
    }

    /// Enqueues one job made of several tasks, atomically.
    @discardableResult
    public func enqueueJob(
        kind: String,
        tasks: [NewTask],
        owner: String = "",
        idempotencyKey: String? = nil
    ) async throws -> EnqueuedJob {
        guard !tasks.isEmpty else {
            throw ConveyorError(.invalidInput, "a job needs at least one task")
        }
        let inserts = try TaskGraph.inserts(for: tasks)
        let result = try await driver.jobInsert(
            .init(owner: owner, kind: kind, idempotencyKey: idempotencyKey, tasks: inserts)
        )
        return EnqueuedJob(jobID: result.jobID, taskIDs: result.taskIDs, existing: result.existing)
    }

    /// Reads a job and its tasks; nil when there is no such job.
    public func job(_ id: JobID) async throws -> JobSnapshot? {
        try await driver.jobGet(id)
    }

    /// Reads one task; nil when there is no such task.
    public func task(_ id: TaskID) async throws -> TaskSnapshot? {
        try await driver.taskGet(id)
    }

    /// Counts per queue: available, scheduled, running, completed and failed since `since`
    /// (default: midnight UTC, so every machine means the same "today").
    public func queueStats(since: Date = ConveyorClient.startOfTodayUTC()) async throws -> [QueueStats] {
        try await driver.statsQueues(.init(since: since))
    }

    /// Midnight UTC of the current day.
    public static func startOfTodayUTC(now: Date = Date()) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar.startOfDay(for: now)
    }

    /// Registered workers with their last heartbeat.
    public func workers() async throws -> [WorkerInfo] {
        try await driver.workerList()
    }

    /// Tasks enqueued each as a job of its own have no job-mates to wait for.
    private static func requireNoDependencies(_ tasks: [NewTask]) throws {
        if let task = tasks.first(where: { !$0.dependsOn.isEmpty }) {
            throw ConveyorError(
                .invalidInput,
                "task \(task.name.map { "'\($0)'" } ?? task.kind) has dependencies: enqueue it with its dependencies in one job (enqueueJob)"
            )
        }
    }

    // MARK: Cancellation, redrive, artifacts

    /// Cancels the job's unfinished tasks: waiting ones at once; a worker running one cancels its
    /// handler within about a second, and its late completion changes nothing. Returns how many
    /// tasks were cancelled (0 when the job had already ended).
    @discardableResult
    public func cancelJob(_ id: JobID, reason: String = "cancelled by request") async throws -> Int {
        guard try await driver.jobGet(id) != nil else {
            throw ConveyorError(.notFound, "there is no job \(id)")
        }
        return try await driver.jobCancel(.init(jobID: id, reason: reason))
    }

    /// Runs a failed job again: its discarded and cancelled tasks go back to run (or wait for
    /// their dependencies), each with a fresh attempt budget. Returns how many tasks were redriven.
    @discardableResult
    public func retryJob(_ id: JobID) async throws -> Int {
        guard try await driver.jobGet(id) != nil else {
            throw ConveyorError(.notFound, "there is no job \(id)")
        }
        return try await driver.jobRetry(.init(jobID: id))
    }

    /// Runs one dead-lettered (discarded or cancelled) task again with a fresh attempt budget,
    /// together with the tasks that were cancelled because it failed. Returns how many were redriven.
    ///
    /// Throws `.invalidInput` when the task is not discarded or cancelled.
    @discardableResult
    public func retryTask(_ id: TaskID) async throws -> Int {
        guard let task = try await driver.taskGet(id) else {
            throw ConveyorError(.notFound, "there is no task \(id)")
        }
        let count = try await driver.taskRetry(.init(taskID: id))
        guard count > 0 else {
            throw ConveyorError(
                .invalidInput, "task \(id) is \(task.state): only a discarded or cancelled task can be retried")
        }
        return count
    }

    /// The artifacts the job's tasks wrote, by task then name.
    public func artifacts(of job: JobID) async throws -> [ArtifactRecord] {
        try await driver.artifactList(job)
    }

    /// Checks a task before it reaches the database, so bad input is an error that says what to fix.
    package static func validated(_ task: NewTask) throws -> TaskInsert {
        guard !task.kind.isEmpty else { throw ConveyorError(.invalidInput, "a task needs a kind") }
        guard !task.queue.isEmpty else { throw ConveyorError(.invalidInput, "a task needs a queue name") }
        guard task.maxAttempts >= 1, task.maxAttempts <= Int(Int16.max) / 2 else {
            throw ConveyorError(.invalidInput, "max attempts must be between 1 and \(Int(Int16.max) / 2)")
        }
        guard (try? JSONSerialization.jsonObject(with: Data(task.input.utf8), options: .fragmentsAllowed)) != nil
        else {
            throw ConveyorError(.invalidInput, "the input of a \(task.kind) task is not valid JSON")
        }
        for resource in task.resources { try ResourceSettings.validate(name: resource) }
        return TaskInsert(
            kind: task.kind, queue: task.queue, input: task.input, priority: task.priority,
            runAt: task.runAt, maxAttempts: task.maxAttempts,
            resources: task.resources.count > 1 ? Array(Set(task.resources)).sorted() : task.resources
        )
    }
}
