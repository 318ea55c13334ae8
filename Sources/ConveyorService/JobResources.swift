import Conveyor
import Foundation

/// A job as the API shows it: `GET /v1/jobs/{id}` and the answers of create, cancel and retry.
struct JobResource: Encodable {
    var id: Int64
    var owner: String
    var kind: String
    var state: JobState
    /// From 0 to 1.
    var progress: Double
    var result: JSONValue?
    var metadata: JSONValue?
    var idempotencyKey: String?
    var taskCount: Int
    var tasks: [TaskResource]
    var createdAt: Date
    var finishedAt: Date?

    enum CodingKeys: String, CodingKey {
        case id, owner, kind, state, progress, result, metadata, tasks
        case idempotencyKey = "idempotency_key"
        case taskCount = "task_count"
        case createdAt = "created_at"
        case finishedAt = "finished_at"
    }

    init(_ job: JobSnapshot) {
        id = job.id.rawValue
        owner = job.owner
        kind = job.kind
        state = job.state
        progress = job.progress
        result = job.result.map(JSONValue.init(parsing:))
        metadata = job.metadata.map(JSONValue.init(parsing:))
        idempotencyKey = job.idempotencyKey
        taskCount = job.tasks.count
        tasks = job.tasks.map(TaskResource.init)
        createdAt = job.createdAt
        finishedAt = job.finishedAt
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(owner, forKey: .owner)
        try container.encode(kind, forKey: .kind)
        try container.encode(state, forKey: .state)
        try container.encode(progress, forKey: .progress)
        try container.encode(result ?? .null, forKey: .result)
        try container.encode(metadata ?? .null, forKey: .metadata)
        try container.encode(idempotencyKey, forKey: .idempotencyKey)
        try container.encode(taskCount, forKey: .taskCount)
        try container.encode(tasks, forKey: .tasks)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(finishedAt, forKey: .finishedAt)
    }
}

/// One task of a job.
struct TaskResource: Encodable {
    var id: Int64
    var name: String?
    var kind: String
    var queue: String
    var state: TaskState
    var priority: Int
    var attempt: Int
    var maxAttempts: Int
    /// 0 to 100, as the handler last reported; nil when it never did.
    var progress: Int?
    var progressMessage: String?
    var dependsOn: [Int64]
    var input: JSONValue
    var result: JSONValue?
    var lastError: AttemptErrorResource?
    var runAt: Date
    var createdAt: Date
    var attemptedAt: Date?
    var finishedAt: Date?

    enum CodingKeys: String, CodingKey {
        case id, name, kind, queue, state, priority, attempt, progress, input, result
        case maxAttempts = "max_attempts"
        case progressMessage = "progress_message"
        case dependsOn = "depends_on"
        case lastError = "last_error"
        case runAt = "run_at"
        case createdAt = "created_at"
        case attemptedAt = "attempted_at"
        case finishedAt = "finished_at"
    }

    init(_ task: TaskSnapshot) {
        id = task.id.rawValue
        name = task.name
        kind = task.kind
        queue = task.queue
        state = task.state
        priority = Int(task.priority.rawValue)
        attempt = task.attempt
        maxAttempts = task.maxAttempts
        progress = task.progress
        progressMessage = task.progressMessage
        dependsOn = task.dependsOn.map(\.rawValue)
        input = JSONValue(parsing: task.input)
        result = task.result.map(JSONValue.init(parsing:))
        lastError = task.errors.last.map(AttemptErrorResource.init)
        runAt = task.runAt
        createdAt = task.createdAt
        attemptedAt = task.attemptedAt
        finishedAt = task.finishedAt
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(name, forKey: .name)
        try container.encode(kind, forKey: .kind)
        try container.encode(queue, forKey: .queue)
        try container.encode(state, forKey: .state)
        try container.encode(priority, forKey: .priority)
        try container.encode(attempt, forKey: .attempt)
        try container.encode(maxAttempts, forKey: .maxAttempts)
        try container.encode(progress, forKey: .progress)
        try container.encode(progressMessage, forKey: .progressMessage)
        try container.encode(dependsOn, forKey: .dependsOn)
        try container.encode(input, forKey: .input)
        try container.encode(result ?? .null, forKey: .result)
        try container.encode(lastError, forKey: .lastError)
        try container.encode(runAt, forKey: .runAt)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(attemptedAt, forKey: .attemptedAt)
        try container.encode(finishedAt, forKey: .finishedAt)
    }
}

/// The error of one failed attempt.
struct AttemptErrorResource: Encodable {
    var attempt: Int
    var at: Date
    var error: String

    init(_ error: AttemptError) {
        attempt = error.attempt
        at = error.at
        self.error = error.error
    }
}

/// A job in a list: its state and progress without its tasks.
struct JobSummaryResource: Encodable {
    var id: Int64
    var owner: String
    var kind: String
    var state: JobState
    var progress: Double
    var taskCount: Int
    var createdAt: Date
    var finishedAt: Date?

    enum CodingKeys: String, CodingKey {
        case id, owner, kind, state, progress
        case taskCount = "task_count"
        case createdAt = "created_at"
        case finishedAt = "finished_at"
    }

    init(_ job: JobSummary) {
        id = job.id.rawValue
        owner = job.owner
        kind = job.kind
        state = job.state
        progress = job.progress
        taskCount = job.taskStates.count
        createdAt = job.createdAt
        finishedAt = job.finishedAt
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(owner, forKey: .owner)
        try container.encode(kind, forKey: .kind)
        try container.encode(state, forKey: .state)
        try container.encode(progress, forKey: .progress)
        try container.encode(taskCount, forKey: .taskCount)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(finishedAt, forKey: .finishedAt)
    }
}

/// A page of `GET /v1/jobs`.
struct JobListResource: Encodable {
    var jobs: [JobSummaryResource]
    /// Pass as `cursor` for the next page; null on the last page.
    var nextCursor: String?

    enum CodingKeys: String, CodingKey {
        case jobs
        case nextCursor = "next_cursor"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(jobs, forKey: .jobs)
        try container.encode(nextCursor, forKey: .nextCursor)
    }
}
