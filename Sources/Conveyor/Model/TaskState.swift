/// Where a task is in its life.
///
/// `scheduled` → `available` → `running` → `completed` | `retryable` (back to `available` at its
/// backoff time) | `discarded` (dead letter, kept with its errors) | `cancelled`.
/// `blocked` while a dependency is unfinished.
public enum TaskState: String, Sendable, Codable, CaseIterable, CustomStringConvertible {
    case blocked
    case scheduled
    case available
    case running
    case retryable
    case completed
    case discarded
    case cancelled

    /// A finished task never runs again unless it is redriven.
    public var isFinished: Bool {
        switch self {
        case .completed, .discarded, .cancelled: true
        case .blocked, .scheduled, .available, .running, .retryable: false
        }
    }

    public var description: String { rawValue }
}
