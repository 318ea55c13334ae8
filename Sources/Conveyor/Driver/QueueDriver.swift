package import Foundation

/// The one storage seam: every queue operation the runtime needs from a database.
///
/// Methods are queue operations, never generic get/set, so each driver can make each one atomic
/// (one statement on PostgreSQL, one transaction on SQLite). Each takes one parameters struct, so
/// adding a field is not a breaking change. Every state write after a claim is fenced by task id
/// and attempt: a write from an attempt whose lease was rescued changes nothing.
package protocol QueueDriver: Sendable {
    /// Applies pending migrations; safe when many processes call it at once.
    func migrate() async throws

    /// Inserts single-task jobs in one statement; a task's job id is its own id.
    func taskInsertMany(_ params: TaskInsertManyParams) async throws -> [TaskID]

    /// Inserts one job with its tasks atomically, or returns the existing job for its idempotency key.
    func jobInsert(_ params: JobInsertParams) async throws -> JobInsertResult

    /// Claims up to `limit` available tasks of a queue for a worker, in priority, run_at, id order:
    /// the fast path, one statement. It takes nothing from a queue under flow control (paused,
    /// limited or fair-share) and no task that uses a resource: those go through
    /// ``taskClaimLimited(_:)``.
    func taskClaim(_ params: TaskClaimParams) async throws -> [ClaimedTask]

    /// Writes attempt outcomes where the task is still running under that attempt; returns the ids written.
    func taskCompleteMany(_ params: TaskCompleteManyParams) async throws -> [TaskID]

    /// Stores a running handler's progress, where the task is still running under that attempt.
    /// Returns whether it was stored.
    func taskReportProgress(_ params: TaskReportProgressParams) async throws -> Bool

    /// Turns running tasks whose lease has expired into retries or dead letters.
    func taskRescueExpired(_ params: TaskRescueExpiredParams) async throws -> TaskRescueResult

    /// Makes scheduled and retryable tasks whose time has come available.
    func taskPromoteDue(_ params: TaskPromoteDueParams) async throws -> Int

    /// Deletes finished tasks (and jobs whose tasks are all gone) older than the cut-off.
    func taskPrune(_ params: TaskPruneParams) async throws -> Int

    /// Reads one task.
    func taskGet(_ id: TaskID) async throws -> TaskSnapshot?

    /// Reads one job with its tasks.
    func jobGet(_ id: JobID) async throws -> JobSnapshot?

    /// Records the worker's heartbeat and extends the leases of the tasks it still holds; returns those ids.
    func workerHeartbeat(_ params: WorkerHeartbeatParams) async throws -> [TaskID]

    /// Removes a worker's registration at shutdown.
    func workerUnregister(_ workerID: String) async throws

    /// Lists registered workers, with their last heartbeat.
    func workerList() async throws -> [WorkerInfo]

    /// Becomes or stays leader if the seat is free, expired or already ours. Returns whether we lead.
    func leaderAttemptElect(_ params: LeaderElectParams) async throws -> Bool

    /// Gives the seat up, if it is ours.
    func leaderResign(_ params: LeaderResignParams) async throws

    /// Counts per queue.
    func statsQueues(_ params: StatsQueuesParams) async throws -> [QueueStats]

    // MARK: Flow control (queue and resource limits, rates, fair share, pause)

    /// A queue's settings and whether its waiting tasks use resources: how a producer must claim.
    func queueFlowGet(_ queue: String) async throws -> QueueFlow

    /// Every queue with settings, by name.
    func queueSettingsList() async throws -> [QueueSettings]

    /// Creates or replaces a queue's settings (already validated).
    func queueSettingsPut(_ settings: QueueSettings) async throws

    /// Pauses or resumes a queue, creating its settings row when missing.
    func queueSetPaused(_ params: QueueSetPausedParams) async throws

    /// Every resource with settings, by name.
    func resourceSettingsList() async throws -> [ResourceSettings]

    /// Creates or replaces a resource's settings (already validated).
    func resourceSettingsPut(_ settings: ResourceSettings) async throws

    /// Removes a resource's settings, so it limits nothing; returns whether it had any.
    func resourceSettingsDelete(_ name: String) async throws -> Bool

    /// Running tasks per resource they use.
    func resourceCountRunning() async throws -> [String: Int]

    /// Claims up to `limit` tasks of a queue under its flow control, exactly: never beyond a
    /// concurrency or rate limit of the queue or of a resource its tasks use, however many
    /// workers claim at once; in fair-share order when the queue asks for it. Each task it takes
    /// in the place of one of `handlersReturned` (same queue, no follower) is paired with it, as a
    /// follower is, so that other workers' claims too count the two as one place until that
    /// outcome is written, rather than seeing the limit overrun for that while.
    ///
    /// With `follows`, it reserves instead at most one task to start when that running task's
    /// handler returns, in its place: the task a claim would take first, while the queue and the
    /// followed task's resources are within the limits in force, and never under a rate limit.
    /// It takes over the followed task's places and no other: when that task needs a limited
    /// resource the followed task does not hold, none is reserved (a place taken now would stand
    /// idle until the followed handler returns), the places are left to be freed, and that task is
    /// claimed the usual way. A task another claim is taking at that moment is passed over rather
    /// than waited for. The pair holds one place in every count until the followed task's outcome
    /// is written, so a freed place passes on with no claim in between.
    func taskClaimLimited(_ params: TaskClaimParams) async throws -> TaskClaimLimitedResult
    /// Inserts the tasks a handler added to its job and writes its completion, in one transaction:
    /// if the attempt no longer holds the task, nothing is written and no task is added.
    func taskCompleteWithTasks(_ params: TaskCompleteWithTasksParams) async throws -> TaskFanOutOutcome

    /// Of the given tasks, those no longer running under this worker (cancelled, rescued, finished).
    func taskFindUnheld(_ params: TaskFindUnheldParams) async throws -> [TaskID]

    /// The results of the tasks a task depends on.
    func taskDependencyResults(_ id: TaskID) async throws -> [DependencyResult]

    /// Cancels every unfinished task of a job, running ones included; returns how many.
    func jobCancel(_ params: JobCancelParams) async throws -> Int

    /// Runs a job's discarded and cancelled tasks again with a fresh attempt budget; returns how many.
    func jobRetry(_ params: JobRetryParams) async throws -> Int

    /// Runs one discarded or cancelled task again, with the dependents cancelled because of it;
    /// returns how many tasks were redriven (0 when the task is not discarded or cancelled).
    func taskRetry(_ params: TaskRetryParams) async throws -> Int

    /// Records an artifact written by a running attempt; false when the attempt no longer holds its task.
    func artifactRegister(_ params: ArtifactRegisterParams) async throws -> Bool

    /// The artifacts of a job, by task then name.
    func artifactList(_ jobID: JobID) async throws -> [ArtifactRecord]

    /// A job's event log from `offset` on, in commit order, at most `limit` rows: every change of
    /// state, attempt or progress of the tasks of a job that has a job row (made by `jobInsert`).
    ///
    /// Rows come back only once no earlier row can still appear, so a position once read never
    /// changes: a reader resumes at the count of rows it has seen and misses nothing. Plain
    /// single-task jobs (`taskInsertMany`) record nothing, so the hot path of a plain queue pays nothing.
    func jobEventList(_ params: JobEventListParams) async throws -> [JobEventRecord]

    /// How many rows a job's event log holds once committed, including those ``jobEventList(_:)``
    /// does not return yet: a reader that has seen fewer must wait for them before it may end.
    func jobEventCount(_ jobID: JobID) async throws -> Int

    /// Calls `onSignal` with `.listening` once notifications flow, then with `.changed(job)` after a
    /// commit that added events to the job's log, until cancelled. Returns at once when the
    /// database cannot notify; readers then rely on polling.
    func listenForJobEvents(_ onSignal: @escaping @Sendable (JobEventSignal) -> Void) async throws

    /// Lists jobs newest first (by id), with their task states; see ``JobListParams``.
    func jobList(_ params: JobListParams) async throws -> [JobSummary]

    /// Runs `body` with a driver whose reads and writes see only `owner`'s jobs, tasks and
    /// artifacts, as a second wall behind the caller's own owner checks: on PostgreSQL, row-level
    /// security under a restricted role, set per transaction (`SET LOCAL`, so it holds behind a
    /// transaction-mode pooler). On SQLite `body` gets the driver itself: the caller's checks are
    /// the only wall.
    func withOwnerScope<T: Sendable>(
        _ owner: String, _ body: @Sendable (any QueueDriver) async throws -> T
    ) async throws -> T

    /// Stores a new access token by its hash.
    func tokenInsert(_ params: TokenInsertParams) async throws -> AccessToken

    /// The unrevoked token with this hash, if any.
    func tokenFindActive(sha256: String) async throws -> AccessToken?

    /// Revokes a token; returns false when there is no such unrevoked token.
    func tokenRevoke(_ params: TokenRevokeParams) async throws -> Bool

    /// Every token, revoked ones included, oldest first.
    func tokenList() async throws -> [AccessToken]

    /// Calls `onSignal` with `.listening` once notifications flow (work committed before then is
    /// not announced), then with `.work(queue)` whenever new work may be available, until cancelled.
    /// Returns at once when the database has no notifications; workers then rely on polling.
    func listenForWork(_ onSignal: @escaping @Sendable (WorkSignal) -> Void) async throws
}

/// What a driver's listener tells the worker.
package enum WorkSignal: Sendable, Hashable {
    /// Listening has started: look for work once, since earlier work was not announced.
    case listening
    /// A queue may have new work.
    case work(queue: String)
}

/// One task to insert.
package struct TaskInsert: Sendable, Hashable {
    package var kind: String
    package var queue: String
    /// JSON text.
    package var input: String
    package var priority: Priority
    /// Nil runs as soon as possible.
    package var runAt: Date?
    package var maxAttempts: Int
    /// Resources the task uses, sorted, no duplicates; empty for most tasks.
    package var resources: [String]
    /// Unique within the job; how other tasks name it as a dependency.
    package var name: String?
    /// Positions, in the same insert, of the tasks this one waits for (always earlier-validated: no cycles).
    package var dependsOn: [Int]
    /// Names of tasks already in the job that this one waits for (run-time fan-out only).
    package var dependsOnExisting: [String]

    package init(
        kind: String, queue: String, input: String, priority: Priority, runAt: Date?, maxAttempts: Int,
        resources: [String] = [], name: String? = nil, dependsOn: [Int] = [], dependsOnExisting: [String] = []
    ) {
        self.kind = kind
        self.queue = queue
        self.input = input
        self.priority = priority
        self.runAt = runAt
        self.maxAttempts = maxAttempts
        self.resources = resources
        self.name = name
        self.dependsOn = dependsOn
        self.dependsOnExisting = dependsOnExisting
    }

    /// True when the task waits for others and so starts `blocked`.
    package var hasDependencies: Bool { !dependsOn.isEmpty || !dependsOnExisting.isEmpty }
}

package struct TaskInsertManyParams: Sendable {
    package var owner: String
    package var tasks: [TaskInsert]
    package init(owner: String, tasks: [TaskInsert]) {
        self.owner = owner
        self.tasks = tasks
    }
}

package struct JobInsertParams: Sendable {
    package var owner: String
    package var kind: String
    package var idempotencyKey: String?
    package var tasks: [TaskInsert]
    /// Stored with the job when given, and returned with it when the idempotency key matches, so
    /// the caller can tell a retry of the same request from another request under the same key.
    package var requestFingerprint: String?
    /// JSON text stored with the job (an object), or nil.
    package var metadata: String?
    package init(
        owner: String, kind: String, idempotencyKey: String?, tasks: [TaskInsert], requestFingerprint: String? = nil,
        metadata: String? = nil
    ) {
        self.metadata = metadata
        self.owner = owner
        self.kind = kind
        self.idempotencyKey = idempotencyKey
        self.tasks = tasks
        self.requestFingerprint = requestFingerprint
    }
}

package struct JobInsertResult: Sendable, Hashable {
    package var jobID: JobID
    package var taskIDs: [TaskID]
    /// True when the idempotency key matched an existing job and nothing was inserted.
    package var existing: Bool
    /// The existing job's request fingerprint, when the key matched one stored with it.
    package var requestFingerprint: String?
    package init(jobID: JobID, taskIDs: [TaskID], existing: Bool, requestFingerprint: String? = nil) {
        self.jobID = jobID
        self.taskIDs = taskIDs
        self.existing = existing
        self.requestFingerprint = requestFingerprint
    }
}

package struct TaskClaimParams: Sendable {
    package var queue: String
    package var limit: Int
    package var workerID: String
    package var leaseDuration: Duration
    /// The time peak windows are judged at (and, for the limited claim, starts are recorded at);
    /// nil means now.
    package var now: Date?
    /// Tasks of this worker (id and attempt) whose handler has returned but whose outcome is not
    /// written yet: still `running` in the database, they use no capacity any more, so the
    /// limited claim does not count them. Their places can be taken as soon as the handler
    /// returns, instead of after the outcome's write.
    package var handlersReturned: [TaskID: Int]
    /// For the limited claim: reserve (at most) one task to follow this running task of the same
    /// worker, starting when its handler returns, in its place. See ``QueueDriver/taskClaimLimited(_:)``.
    package var follows: TaskAttempt?
    package init(
        queue: String, limit: Int, workerID: String, leaseDuration: Duration, now: Date? = nil,
        handlersReturned: [TaskID: Int] = [:], follows: TaskAttempt? = nil
    ) {
        self.queue = queue
        self.limit = limit
        self.workerID = workerID
        self.leaseDuration = leaseDuration
        self.now = now
        self.handlersReturned = handlersReturned
        self.follows = follows
    }
}

/// A task as a worker receives it at claim.
package struct ClaimedTask: Sendable, Hashable {
    package var id: TaskID
    package var jobID: JobID
    package var kind: String
    package var queue: String
    package var owner: String
    package var input: String
    package var attempt: Int
    package var maxAttempts: Int
    package var priority: Priority
    package var createdAt: Date
    package init(
        id: TaskID, jobID: JobID, kind: String, queue: String, owner: String, input: String, attempt: Int,
        maxAttempts: Int, priority: Priority, createdAt: Date
    ) {
        self.id = id
        self.jobID = jobID
        self.kind = kind
        self.queue = queue
        self.owner = owner
        self.input = input
        self.attempt = attempt
        self.maxAttempts = maxAttempts
        self.priority = priority
        self.createdAt = createdAt
    }
}

/// The end of one attempt, as written by the completer.
package struct TaskCompletion: Sendable, Hashable {
    package enum Outcome: Sendable, Hashable {
        /// Done; `result` is JSON text.
        case completed(result: String?)
        /// Failed with retries left: back to available at `at`.
        case retry(at: Date, error: AttemptError)
        /// Failed for good: kept as a dead letter with its error.
        case discarded(error: AttemptError)
        /// Asked to run again later; the attempt does not count against max attempts.
        case snoozed(until: Date)
        /// Handed back unfinished at shutdown; the attempt does not count.
        case released
        /// Cancelled while running.
        case cancelled(error: AttemptError)
    }

    package var id: TaskID
    package var attempt: Int
    package var outcome: Outcome
    /// Tasks the handler added to its job, inserted with a `.completed` outcome or not at all.
    package var addedTasks: [TaskInsert]
    package init(id: TaskID, attempt: Int, outcome: Outcome, addedTasks: [TaskInsert] = []) {
        self.id = id
        self.attempt = attempt
        self.outcome = outcome
        self.addedTasks = addedTasks
    }
}

package struct TaskCompleteManyParams: Sendable {
    package var completions: [TaskCompletion]
    package init(completions: [TaskCompletion]) { self.completions = completions }
}

package struct TaskReportProgressParams: Sendable {
    package var id: TaskID
    package var attempt: Int
    /// 0 to 100.
    package var percent: Int
    package var message: String?
    package init(id: TaskID, attempt: Int, percent: Int, message: String?) {
        self.id = id
        self.attempt = attempt
        self.percent = percent
        self.message = message
    }
}

package struct TaskRescueExpiredParams: Sendable {
    /// Nil means the database's clock.
    package var now: Date?
    package var limit: Int
    package var retryPolicy: RetryPolicy
    package init(now: Date? = nil, limit: Int, retryPolicy: RetryPolicy) {
        self.now = now
        self.limit = limit
        self.retryPolicy = retryPolicy
    }
}

package struct TaskRescueResult: Sendable, Hashable {
    package var retried: Int
    package var discarded: Int
    package init(retried: Int, discarded: Int) {
        self.retried = retried
        self.discarded = discarded
    }
}

package struct TaskPromoteDueParams: Sendable {
    package var now: Date?
    package var limit: Int
    package init(now: Date? = nil, limit: Int) {
        self.now = now
        self.limit = limit
    }
}

package struct TaskPruneParams: Sendable {
    package var completedBefore: Date
    package var failedBefore: Date
    package var limit: Int
    package init(completedBefore: Date, failedBefore: Date, limit: Int) {
        self.completedBefore = completedBefore
        self.failedBefore = failedBefore
        self.limit = limit
    }
}

package struct WorkerHeartbeatParams: Sendable {
    package var worker: WorkerInfo
    /// The tasks this worker believes it runs.
    package var taskIDs: [TaskID]
    package var leaseDuration: Duration
    package init(worker: WorkerInfo, taskIDs: [TaskID], leaseDuration: Duration) {
        self.worker = worker
        self.taskIDs = taskIDs
        self.leaseDuration = leaseDuration
    }
}

package struct LeaderElectParams: Sendable {
    package var name: String
    package var leaderID: String
    package var ttl: Duration
    package var now: Date?
    package init(name: String = "default", leaderID: String, ttl: Duration, now: Date? = nil) {
        self.name = name
        self.leaderID = leaderID
        self.ttl = ttl
        self.now = now
    }
}

package struct LeaderResignParams: Sendable {
    package var name: String
    package var leaderID: String
    package init(name: String = "default", leaderID: String) {
        self.name = name
        self.leaderID = leaderID
    }
}

package struct StatsQueuesParams: Sendable {
    /// The start of "today" for completed and failed counts.
    package var since: Date
    package init(since: Date) { self.since = since }
}
