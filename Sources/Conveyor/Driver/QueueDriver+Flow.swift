package import Foundation

/// What a producer needs to know to claim from a queue: its settings, and whether its waiting
/// tasks use resources. Read every second or so, so a change reaches running workers quickly.
package struct QueueFlow: Sendable, Hashable {
    /// Nil when the queue has no row in the queues table.
    package var settings: QueueSettings?
    /// Some available task of the queue names a resource.
    package var usesResources: Bool

    package init(settings: QueueSettings?, usesResources: Bool) {
        self.settings = settings
        self.usesResources = usesResources
    }

    /// Whether claims must take the limited path (``QueueDriver/taskClaimLimited(_:)``).
    package var isLimited: Bool { (settings?.needsFlowControl ?? false) || usesResources }
}

/// What a limited claim did, and why it took fewer tasks than asked for.
package struct TaskClaimLimitedResult: Sendable, Hashable {
    package var tasks: [ClaimedTask]
    /// The queue is paused: nothing was considered.
    package var paused: Bool
    /// A limit (the queue's or a resource's concurrency or rate) held back waiting tasks: look
    /// again when capacity frees, rather than waiting for new work.
    package var heldBack: Bool
    /// When a rate window next makes room, if the claim involved a rate limit.
    package var retryAt: Date?
    /// The claim left the queue's or a resource's concurrency limit with no room: places will
    /// pass from task to task, and a running task may as well reserve its follower.
    package var atLimit: Bool

    package init(
        tasks: [ClaimedTask], paused: Bool = false, heldBack: Bool = false, retryAt: Date? = nil, atLimit: Bool = false
    ) {
        self.tasks = tasks
        self.paused = paused
        self.heldBack = heldBack
        self.retryAt = retryAt
        self.atLimit = atLimit
    }
}

package struct QueueSetPausedParams: Sendable {
    package var name: String
    package var paused: Bool
    package init(name: String, paused: Bool) {
        self.name = name
        self.paused = paused
    }
}

/// One attempt of a task: what a write after a claim is fenced by.
package struct TaskAttempt: Sendable, Hashable {
    package var id: TaskID
    package var attempt: Int
    package init(id: TaskID, attempt: Int) {
        self.id = id
        self.attempt = attempt
    }
}
