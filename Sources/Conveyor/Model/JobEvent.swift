public import Foundation

/// One change in a job's feed: a task's state, attempt or progress changed, with the job's state after it.
///
/// Events are numbered from 1 in the order they were committed; `sequence` is what a reader passes
/// back (`after:`, or the `Last-Event-ID` of a Server-Sent Events client) to resume without
/// missing or repeating one.
public struct JobEvent: Sendable, Hashable {
    /// The event's position in the job's feed, from 1.
    public var sequence: Int
    public var jobID: JobID
    /// The job's state once this change applied: see ``JobState/derive(from:)``.
    public var jobState: JobState
    /// From 0 to 1, as ``JobSnapshot/progress``.
    public var jobProgress: Double
    /// The task that changed.
    public var task: TaskChange
    public var at: Date

    public init(sequence: Int, jobID: JobID, jobState: JobState, jobProgress: Double, task: TaskChange, at: Date) {
        self.sequence = sequence
        self.jobID = jobID
        self.jobState = jobState
        self.jobProgress = jobProgress
        self.task = task
        self.at = at
    }

    /// True once the job has ended: completed, failed or cancelled. The feed stops after such an event.
    public var isFinal: Bool { jobState == .completed || jobState == .failed || jobState == .cancelled }
}

/// A task as it is after one change: what a feed reports of it.
public struct TaskChange: Sendable, Hashable {
    public var id: TaskID
    /// The task's name within its job, when it has one.
    public var name: String?
    public var state: TaskState
    /// The attempt running or last run (0 before the first claim).
    public var attempt: Int
    /// What the handler last reported: 0 to 100.
    public var progress: Int?
    public var progressMessage: String?
    /// The error of the last failed attempt, if any.
    public var lastError: String?

    public init(
        id: TaskID, name: String?, state: TaskState, attempt: Int, progress: Int?, progressMessage: String?,
        lastError: String?
    ) {
        self.id = id
        self.name = name
        self.state = state
        self.attempt = attempt
        self.progress = progress
        self.progressMessage = progressMessage
        self.lastError = lastError
    }
}
