import Conveyor
import Foundation

/// The `--json` form of a job: its fields, its tasks, inputs and results as JSON values.
struct JobReport: Encodable {
    struct TaskReport: Encodable {
        var id: TaskID
        var name: String?
        var dependsOn: [TaskID]
        var progress: Int?
        var progressMessage: String?
        var redrivenAt: Date?
        var kind: String
        var queue: String
        var state: TaskState
        var attempt: Int
        var maxAttempts: Int
        var priority: Priority
        var runAt: Date
        var input: JSONValue
        var result: JSONValue?
        var errors: [AttemptError]
        var workerID: String?
        var leaseExpiresAt: Date?
        var createdAt: Date
        var attemptedAt: Date?
        var finishedAt: Date?
    }

    var id: JobID
    var kind: String
    var owner: String
    var state: JobState
    var progress: Double
    var idempotencyKey: String?
    var createdAt: Date
    var finishedAt: Date?
    var result: JSONValue?
    var tasks: [TaskReport]
    var artifacts: [ArtifactReport]

    struct ArtifactReport: Encodable {
        var taskID: TaskID
        var name: String
        var storageKey: String
        var contentType: String
        var size: Int
        var sha256: String
        var attempt: Int
        var createdAt: Date
    }

    init(_ job: JobSnapshot, artifacts: [ArtifactRecord] = []) {
        id = job.id
        kind = job.kind
        owner = job.owner
        state = job.state
        progress = job.progress
        idempotencyKey = job.idempotencyKey
        createdAt = job.createdAt
        finishedAt = job.finishedAt
        result = job.result.map(JSONValue.init(parsing:))
        self.artifacts = artifacts.map {
            ArtifactReport(
                taskID: $0.taskID, name: $0.name, storageKey: $0.storageKey, contentType: $0.contentType, size: $0.size,
                sha256: $0.sha256, attempt: $0.attempt, createdAt: $0.createdAt)
        }
        tasks = job.tasks.map { task in
            TaskReport(
                id: task.id, name: task.name, dependsOn: task.dependsOn, progress: task.progress,
                progressMessage: task.progressMessage, redrivenAt: task.redrivenAt, kind: task.kind, queue: task.queue,
                state: task.state, attempt: task.attempt,
                maxAttempts: task.maxAttempts, priority: task.priority, runAt: task.runAt,
                input: JSONValue(parsing: task.input), result: task.result.map(JSONValue.init(parsing:)),
                errors: task.errors, workerID: task.workerID, leaseExpiresAt: task.leaseExpiresAt,
                createdAt: task.createdAt, attemptedAt: task.attemptedAt, finishedAt: task.finishedAt
            )
        }
    }
}
