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

    /// Carries task id, job id, queue, attempt, kind and worker id as metadata.
    ///
    /// Made when read (worker loggers are only decorated for handlers that log), so a handler
    /// that logs many lines should keep it in a local.
    public var logger: Logger {
        get {
            assignedLogger
                ?? Self.taskLogger(
                    workerLogger: workerLogger, taskID: taskID, jobID: jobID, queue: queue, attempt: attempt, kind: kind
                )
        }
        set { assignedLogger = newValue }
    }

    private var workerLogger: Logger
    private var assignedLogger: Logger?
    /// Where progress reports go; set by the worker.
    package var driver: (any QueueDriver)? = nil
    /// Where artifacts go; set by the worker when it has a store.
    package var artifactStore: (any ArtifactStore)? = nil
    /// Where the tasks the handler adds to its job are kept until its completion; set by the worker.
    package var running: RunningTasks? = nil

    /// A context whose logger is `logger`, as given.
    public init(
        taskID: TaskID, jobID: JobID, kind: String, queue: String, owner: String, attempt: Int,
        maxAttempts: Int, workerID: String, logger: Logger
    ) {
        self.init(
            taskID: taskID, jobID: jobID, kind: kind, queue: queue, owner: owner, attempt: attempt,
            maxAttempts: maxAttempts, workerID: workerID, workerLogger: logger
        )
        self.assignedLogger = logger
    }

    /// A context whose logger is the worker's, with the task's metadata added when first read.
    package init(
        taskID: TaskID, jobID: JobID, kind: String, queue: String, owner: String, attempt: Int,
        maxAttempts: Int, workerID: String, workerLogger: Logger
    ) {
        self.taskID = taskID
        self.jobID = jobID
        self.kind = kind
        self.queue = queue
        self.owner = owner
        self.attempt = attempt
        self.maxAttempts = maxAttempts
        self.workerID = workerID
        self.workerLogger = workerLogger
        self.assignedLogger = nil
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

    /// `workerLogger` (which carries the worker id) with one task's metadata, set in one write:
    /// a log handler may do work on every metadata change (swift-log's `StreamLogHandler`
    /// re-renders all of it).
    package static func taskLogger(
        workerLogger: Logger, taskID: TaskID, jobID: JobID, queue: String, attempt: Int, kind: String
    ) -> Logger {
        var logger = workerLogger
        let metadata: Logger.Metadata = [
            "task_id": "\(taskID)", "job_id": "\(jobID)", "queue": "\(queue)", "attempt": "\(attempt)",
            "kind": "\(kind)",
        ]
        logger.handler.metadata.merge(metadata) { _, new in new }
        return logger
    }
}
