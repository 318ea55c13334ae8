/// A job's state, which follows its tasks.
public enum JobState: String, Sendable, Codable, CaseIterable, CustomStringConvertible {
    /// No task has started yet.
    case queued
    /// At least one task is running, or some finished and others still wait.
    case running
    /// Every task completed.
    case completed
    /// A task was discarded or cancelled and nothing else can run.
    case failed
    /// Every task was cancelled.
    case cancelled

    /// Derives the job's state from the states of its tasks.
    public static func derive(from states: some Sequence<TaskState>) -> JobState {
        var total = 0
        var completed = 0
        var cancelled = 0
        var discarded = 0
        var active = 0
        var running = 0
        for state in states {
            total += 1
            switch state {
            case .completed: completed += 1
            case .cancelled: cancelled += 1
            case .discarded: discarded += 1
            case .running:
                running += 1
                active += 1
            case .blocked, .scheduled, .available, .retryable: active += 1
            }
        }
        if total == 0 { return .queued }
        if completed == total { return .completed }
        if cancelled == total { return .cancelled }
        if active == 0 { return .failed }
        if running > 0 || completed + cancelled + discarded > 0 { return .running }
        return .queued
    }

    public var description: String { rawValue }
}
