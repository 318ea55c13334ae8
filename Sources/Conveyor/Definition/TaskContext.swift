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
    package var driver: (any QueueDriver)?

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

    /// Stores how far the handler has got, shown by `conveyor jobs show` and the API.
    ///
    /// - Parameters:
    ///   - percent: 0 to 100; values outside are clamped.
    ///   - message: a short note such as "chunk 3 of 40" (at most 200 characters are kept).
    /// A report from an attempt that no longer holds its task is ignored.
    public func reportProgress(_ percent: Int, message: String? = nil) async throws {
        guard let driver else { return }
        let stored = try await driver.taskReportProgress(
            .init(
                id: taskID, attempt: attempt, percent: min(100, max(0, percent)),
                message: message.map { String($0.prefix(200)) })
        )
        if !stored {
            logger.warning("progress not stored: the task is no longer held by this attempt")
        }
    }
}
