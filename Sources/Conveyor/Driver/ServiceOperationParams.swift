public import Foundation

/// A new token, by the SHA-256 of its secret.
package struct TokenInsertParams: Sendable {
    package var owner: String
    package var role: AccessToken.Role
    /// Lowercase hex SHA-256 of the token text; unique.
    package var sha256: String
    package var label: String?
    package init(owner: String, role: AccessToken.Role, sha256: String, label: String?) {
        self.owner = owner
        self.role = role
        self.sha256 = sha256
        self.label = label
    }
}

/// Which token to revoke: by id, or by the SHA-256 of its text.
package enum TokenRevokeParams: Sendable, Hashable {
    case id(Int64)
    case sha256(String)
}

/// A page of jobs, newest first.
package struct JobListParams: Sendable {
    /// Only this owner's jobs; nil lists every owner's (admin).
    package var owner: String?
    /// Only jobs of this kind.
    package var kind: String?
    /// Only jobs with an id below this one (the cursor of the previous page); nil starts at the newest.
    package var before: JobID?
    /// At most this many jobs.
    package var limit: Int
    package init(owner: String?, kind: String?, before: JobID?, limit: Int) {
        self.owner = owner
        self.kind = kind
        self.before = before
        self.limit = limit
    }
}

/// One job of a list: enough to show its state and progress without its tasks.
public struct JobSummary: Sendable, Hashable {
    public var id: JobID
    public var owner: String
    public var kind: String
    public var createdAt: Date
    /// The states of its tasks, in no particular order.
    public var taskStates: [TaskState]
    /// The sum of the progress running tasks reported (0 to 100 each).
    public var runningProgress: Int
    /// The latest finish time among its tasks.
    public var lastFinishedAt: Date?

    public init(
        id: JobID, owner: String, kind: String, createdAt: Date, taskStates: [TaskState], runningProgress: Int,
        lastFinishedAt: Date?
    ) {
        self.id = id
        self.owner = owner
        self.kind = kind
        self.createdAt = createdAt
        self.taskStates = taskStates
        self.runningProgress = runningProgress
        self.lastFinishedAt = lastFinishedAt
    }

    /// Follows the tasks, as ``JobSnapshot/state`` does.
    public var state: JobState { JobState.derive(from: taskStates) }

    /// From 0 to 1, as ``JobSnapshot/progress`` counts it.
    public var progress: Double {
        guard !taskStates.isEmpty else { return 0 }
        let completed = taskStates.filter { $0 == .completed }.count
        return (Double(completed) + Double(runningProgress) / 100) / Double(taskStates.count)
    }

    /// When the last task finished, once every task has.
    public var finishedAt: Date? { taskStates.allSatisfy(\.isFinished) ? lastFinishedAt : nil }
}
