public import Foundation

/// A task as stored: what `conveyor jobs show` and the API report.
public struct TaskSnapshot: Sendable, Hashable {
    public var id: TaskID
    public var jobID: JobID
    public var kind: String
    public var queue: String
    public var owner: String
    public var state: TaskState
    public var priority: Priority
    public var attempt: Int
    public var maxAttempts: Int
    /// The task's input, as JSON text.
    public var input: String
    /// The handler's result, as JSON text, once completed.
    public var result: String?
    public var errors: [AttemptError]
    /// What the handler last reported: 0 to 100, or nil when it never reported.
    public var progress: Int?
    public var progressMessage: String?
    /// Unique within the job, when given: how other tasks name it.
    public var name: String? = nil
    /// The tasks of the job this one waits for.
    public var dependsOn: [TaskID] = []
    /// When it was last sent back to run after being discarded or cancelled.
    public var redrivenAt: Date? = nil
    public var runAt: Date
    public var workerID: String?
    public var leaseExpiresAt: Date?
    public var createdAt: Date
    public var attemptedAt: Date?
    public var finishedAt: Date?

    public init(
        id: TaskID, jobID: JobID, kind: String, queue: String, owner: String, state: TaskState,
        priority: Priority, attempt: Int, maxAttempts: Int, input: String, result: String?,
        errors: [AttemptError], runAt: Date, workerID: String?, leaseExpiresAt: Date?,
        createdAt: Date, attemptedAt: Date?, finishedAt: Date?
    ) {
        self.id = id
        self.jobID = jobID
        self.kind = kind
        self.queue = queue
        self.owner = owner
        self.state = state
        self.priority = priority
        self.attempt = attempt
        self.maxAttempts = maxAttempts
        self.input = input
        self.result = result
        self.errors = errors
        self.progress = nil
        self.progressMessage = nil
        self.runAt = runAt
        self.workerID = workerID
        self.leaseExpiresAt = leaseExpiresAt
        self.createdAt = createdAt
        self.attemptedAt = attemptedAt
        self.finishedAt = finishedAt
    }
}
