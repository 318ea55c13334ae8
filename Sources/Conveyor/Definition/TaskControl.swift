import Foundation

/// Thrown by a handler to discard its task at once, with a reason, whatever attempts remain.
///
/// Use it for errors that no retry can fix: bad input, a refused request.
public struct TaskDiscard: Error, Sendable, CustomStringConvertible {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}

/// Thrown by a handler to run its task again later without using up an attempt.
public struct TaskSnooze: Error, Sendable, CustomStringConvertible {
    public var delay: Duration
    public init(for delay: Duration) { self.delay = delay }
    public var description: String { "snoozed for \(delay)" }
}

/// Thrown by a handler to retry at a time it chooses (a `Retry-After`, say) instead of the backoff.
public struct TaskRetry: Error, Sendable, CustomStringConvertible {
    public var delay: Duration
    public var reason: String
    public init(after delay: Duration, reason: String) {
        self.delay = delay
        self.reason = reason
    }
    public var description: String { reason }
}

/// The input of a task could not be decoded into its definition's type.
public struct UndecodableInput: Error, Sendable, CustomStringConvertible {
    public var kind: String
    public var detail: String
    public var description: String { "input of \(kind) could not be decoded: \(detail)" }
}
