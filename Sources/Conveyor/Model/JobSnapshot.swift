public import Foundation

/// A job and its tasks, as stored.
public struct JobSnapshot: Sendable, Hashable {
    public var id: JobID
    public var owner: String
    /// The job's kind: its single task's kind, or the recipe name given at enqueue.
    public var kind: String
    public var idempotencyKey: String?
    public var createdAt: Date
    public var tasks: [TaskSnapshot]
    /// What the creator attached to the job (a JSON object as text); nil when nothing was.
    public var metadata: String? = nil

    public init(
        id: JobID, owner: String, kind: String, idempotencyKey: String?, createdAt: Date,
        tasks: [TaskSnapshot]
    ) {
        self.id = id
        self.owner = owner
        self.kind = kind
        self.idempotencyKey = idempotencyKey
        self.createdAt = createdAt
        self.tasks = tasks
    }

    /// Follows the tasks: see ``JobState/derive(from:)``.
    public var state: JobState { JobState.derive(from: tasks.map(\.state)) }

    /// From 0 to 1: each completed task counts whole, each running task by the progress its handler reported.
    public var progress: Double {
        guard !tasks.isEmpty else { return 0 }
        let done = tasks.reduce(0.0) { sum, task in
            switch task.state {
            case .completed: sum + 1
            case .running: sum + Double(task.progress ?? 0) / 100
            default: sum
            }
        }
        return done / Double(tasks.count)
    }

    /// The tasks no other task of the job waits for: what the job delivers.
    public var finalTasks: [TaskSnapshot] {
        let awaited = Set(tasks.flatMap(\.dependsOn))
        return tasks.filter { !awaited.contains($0.id) }
    }

    /// The job's result once it has completed, as JSON text: its final task's result or, when it
    /// has several final tasks, an object of their results keyed by task name (or id).
    public var result: String? {
        guard state == .completed else { return nil }
        let finals = finalTasks
        if finals.count == 1 { return finals[0].result }
        let entries = finals.map { task in
            let key = task.name ?? String(task.id.rawValue)
            let encodedKey = String(decoding: (try? JSONEncoder().encode(key)) ?? Data("\"\"".utf8), as: UTF8.self)
            return "\(encodedKey):\(task.result ?? "null")"
        }
        return "{" + entries.joined(separator: ",") + "}"
    }

    /// When the last task finished, once the job has ended.
    public var finishedAt: Date? {
        guard tasks.allSatisfy(\.state.isFinished) else { return nil }
        return tasks.compactMap(\.finishedAt).max()
    }
}
