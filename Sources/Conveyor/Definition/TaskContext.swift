public import Logging

/// What a handler knows about the attempt it runs.
public struct TaskContext: Sendable {
    public var taskID: TaskID
    public var jobID: JobID
    public var kind: String
    public var queue: String
    public var owner: String
    /// 1 for the first attempt.
    public var attempt: Int
    public var maxAttempts: Int
    public var workerID: String
    /// Carries task id, job id, queue, attempt and worker id as metadata.
    public var logger: Logger

    public init(
        taskID: TaskID, jobID: JobID, kind: String, queue: String, owner: String, attempt: Int,
        maxAttempts: Int, workerID: String, logger: Logger
    ) {
        self.taskID = taskID
        self.jobID = jobID
        self.kind = kind
        self.queue = queue
        self.owner = owner
        self.attempt = attempt
        self.maxAttempts = maxAttempts
        self.workerID = workerID
        self.logger = logger
    }

    /// True when this is the last attempt the task has.
    public var isLastAttempt: Bool { attempt >= maxAttempts }
}
