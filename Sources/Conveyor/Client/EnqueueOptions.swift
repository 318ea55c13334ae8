public import Foundation

/// How a task is enqueued; every field falls back to the definition's or the queue's default.
public struct EnqueueOptions: Sendable, Hashable {
    /// The queue; nil uses the definition's queue.
    public var queue: String?
    public var priority: Priority
    /// When the task may first run; nil means now.
    public var runAt: Date?
    /// Attempts before it is discarded; nil uses the definition's.
    public var maxAttempts: Int?
    /// The owner the job belongs to (a user or tenant id); API access is scoped by it.
    public var owner: String
    /// A second enqueue with the same key and owner returns the first job and creates nothing.
    public var idempotencyKey: String?
    /// The resources the task uses; nil uses the definition's (``TaskDefinition/resources``).
    public var resources: [String]?

    public init(
        queue: String? = nil,
        priority: Priority = .normal,
        runAt: Date? = nil,
        maxAttempts: Int? = nil,
        owner: String = "",
        idempotencyKey: String? = nil,
        resources: [String]? = nil
    ) {
        self.queue = queue
        self.priority = priority
        self.runAt = runAt
        self.maxAttempts = maxAttempts
        self.owner = owner
        self.idempotencyKey = idempotencyKey
        self.resources = resources
    }
}

/// A task described by kind and JSON input, for enqueues that do not go through a Swift type.
public struct NewTask: Sendable, Hashable {
    public var kind: String
    /// JSON text.
    public var input: String
    public var queue: String
    public var priority: Priority
    public var runAt: Date?
    public var maxAttempts: Int
    /// Shared capacities the task uses (see ``ResourceSettings``); it starts only when each has room.
    public var resources: [String]
    /// Unique within its job: how other tasks of the job name it in `dependsOn`, and how a
    /// dependent finds its result.
    public var name: String?
    /// Names of the tasks of the same job that must complete before this one starts. It waits
    /// `blocked` until then; if one of them is discarded or cancelled, it is cancelled.
    public var dependsOn: [String]

    public init(
        kind: String,
        input: String = "{}",
        queue: String = TaskDefaults.queue,
        priority: Priority = .normal,
        runAt: Date? = nil,
        maxAttempts: Int = TaskDefaults.maxAttempts,
        resources: [String] = [],
        name: String? = nil,
        dependsOn: [String] = []
    ) {
        self.kind = kind
        self.input = input
        self.queue = queue
        self.priority = priority
        self.runAt = runAt
        self.maxAttempts = maxAttempts
        self.resources = resources
        self.name = name
        self.dependsOn = dependsOn
    }

    /// Describes a typed task, applying the options over the definition's defaults.
    public init<T: TaskDefinition>(
        _ task: T, options: EnqueueOptions = .init(), name: String? = nil, dependsOn: [String] = []
    ) throws {
        self.init(
            kind: T.name,
            input: String(decoding: try JSONEncoder.conveyor.encode(task), as: UTF8.self),
            queue: options.queue ?? T.queue,
            priority: options.priority,
            runAt: options.runAt,
            maxAttempts: options.maxAttempts ?? T.maxAttempts,
            resources: options.resources ?? T.resources,
            name: name,
            dependsOn: dependsOn
        )
    }

    /// The same task, named.
    public func named(_ name: String) -> NewTask {
        var task = self
        task.name = name
        return task
    }

    /// The same task, waiting for the named tasks as well.
    public func after(_ names: String...) -> NewTask { after(names) }

    /// The same task, waiting for the named tasks as well.
    public func after(_ names: [String]) -> NewTask {
        var task = self
        task.dependsOn += names
        return task
    }

    /// The tasks as a chain, each after the one before: unnamed tasks are named `step-1`, `step-2`…
    public static func sequence(_ tasks: [NewTask]) -> [NewTask] {
        var chained: [NewTask] = []
        for (position, task) in tasks.enumerated() {
            var task = task
            if task.name == nil { task.name = "step-\(position + 1)" }
            if let previous = chained.last?.name { task.dependsOn.append(previous) }
            chained.append(task)
        }
        return chained
    }
}

/// What an enqueue created, or found by its idempotency key.
public struct EnqueuedJob: Sendable, Hashable {
    public var jobID: JobID
    public var taskIDs: [TaskID]
    /// True when an earlier job with the same idempotency key was returned and nothing was created.
    public var existing: Bool

    public init(jobID: JobID, taskIDs: [TaskID], existing: Bool) {
        self.jobID = jobID
        self.taskIDs = taskIDs
        self.existing = existing
    }
}
