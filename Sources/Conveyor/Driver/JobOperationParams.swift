public import Foundation

/// A handler's completion together with the tasks it added to its job (run-time fan-out).
package struct TaskCompleteWithTasksParams: Sendable {
    package var id: TaskID
    package var attempt: Int
    /// JSON text, or nil.
    package var result: String?
    package var tasks: [TaskInsert]
    package init(id: TaskID, attempt: Int, result: String?, tasks: [TaskInsert]) {
        self.id = id
        self.attempt = attempt
        self.result = result
        self.tasks = tasks
    }
}

/// What became of a completion with added tasks.
package enum TaskFanOutOutcome: Sendable, Hashable {
    /// Completed, and the tasks exist.
    case written(taskIDs: [TaskID])
    /// The attempt no longer held its task: nothing was written.
    case notHeld
    /// The added tasks were refused (a name already used, an unknown dependency): nothing was
    /// written; the reason says what to fix.
    case refused(reason: String)
}

package struct TaskFindUnheldParams: Sendable {
    package var workerID: String
    package var taskIDs: [TaskID]
    package init(workerID: String, taskIDs: [TaskID]) {
        self.workerID = workerID
        self.taskIDs = taskIDs
    }
}

/// A finished dependency as its dependent sees it.
public struct DependencyResult: Sendable, Hashable {
    public var taskID: TaskID
    public var name: String?
    public var kind: String
    public var state: TaskState
    /// JSON text, when the task returned a result.
    public var result: String?

    public init(taskID: TaskID, name: String?, kind: String, state: TaskState, result: String?) {
        self.taskID = taskID
        self.name = name
        self.kind = kind
        self.state = state
        self.result = result
    }
}

package struct JobCancelParams: Sendable {
    package var jobID: JobID
    package var reason: String
    package init(jobID: JobID, reason: String) {
        self.jobID = jobID
        self.reason = reason
    }
}

package struct JobRetryParams: Sendable {
    package var jobID: JobID
    package init(jobID: JobID) { self.jobID = jobID }
}

package struct TaskRetryParams: Sendable {
    package var taskID: TaskID
    package init(taskID: TaskID) { self.taskID = taskID }
}

package struct ArtifactRegisterParams: Sendable {
    package var taskID: TaskID
    package var attempt: Int
    package var artifact: StoredArtifact
    package init(taskID: TaskID, attempt: Int, artifact: StoredArtifact) {
        self.taskID = taskID
        self.attempt = attempt
        self.artifact = artifact
    }
}

/// An artifact as the artifacts table records it.
public struct ArtifactRecord: Sendable, Hashable {
    public var jobID: JobID
    public var taskID: TaskID
    public var name: String
    /// `{owner}/{jobId}/{taskId}/{name}`, percent-encoded: see ``ArtifactKey``.
    public var storageKey: String
    public var contentType: String
    public var size: Int
    /// Lowercase hex.
    public var sha256: String
    /// The attempt that wrote it.
    public var attempt: Int
    public var createdAt: Date

    public init(
        jobID: JobID, taskID: TaskID, name: String, storageKey: String, contentType: String, size: Int,
        sha256: String, attempt: Int, createdAt: Date
    ) {
        self.jobID = jobID
        self.taskID = taskID
        self.name = name
        self.storageKey = storageKey
        self.contentType = contentType
        self.size = size
        self.sha256 = sha256
        self.attempt = attempt
        self.createdAt = createdAt
    }

    /// The key to read the bytes from the store.
    public func key() throws -> ArtifactKey { try ArtifactKey(storageKey: storageKey) }
}
