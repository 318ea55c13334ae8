package import Foundation

/// What a limited claim knows once it holds the write lock (the settings, what holds a place now,
/// what started within each rate window), and the room that leaves: the SQLite driver's
/// arithmetic of limits. The PostgreSQL driver does the same sums in `flow_claim` (its migration
/// 4); the conformance suite holds the two to the same answers.
package struct FlowClaimPlan: Sendable {
    /// A window of recorded starts that a claim must respect: the queue's (`q:NAME`) or a
    /// resource's (`r:NAME`).
    package struct RateScope: Sendable, Hashable {
        package var scope: String
        package var limit: RateLimit
        package var intervalMilliseconds: Int64 { limit.intervalMilliseconds }
    }

    package var queue: String
    package var settings: QueueSettings?
    /// Resources with a limit; a resource not listed limits nothing.
    package var resources: [ResourceSettings]
    /// Tasks of the queue running now.
    package var queueRunning = 0
    /// Running tasks per resource they use.
    package var resourceRunning: [String: Int] = [:]
    /// Per rate scope: the starts recorded within its window, and the oldest of them.
    package var recordedStarts: [String: (count: Int, oldest: Date?)] = [:]
    /// When reserving a follower (see ``QueueDriver/taskClaimLimited(_:)``): the resources of the
    /// task it follows. It takes their places rather than new ones, and only when it is the task a
    /// claim would take first and needs no limited resource the leader does not hold (none with a
    /// rate limit is held): a place taken while reserved would stand idle until the leader's handler
    /// returns, so the leader's places are freed instead, and that task is claimed the usual way.
    package var follows: [String]?

    package init(queue: String, settings: QueueSettings?, resources: [ResourceSettings]) {
        self.queue = queue
        self.settings = settings
        self.resources = resources.filter(\.isLimited)
    }

    /// The rate windows to count starts in, and to record this claim's starts in (a follower is
    /// never reserved under a queue's rate limit, nor takes a resource that has one).
    package var rateScopes: [RateScope] {
        var scopes: [RateScope] = []
        if follows == nil, let rate = settings?.rateLimit {
            scopes.append(RateScope(scope: "q:" + queue, limit: rate))
        }
        for resource in resources {
            if let rate = resource.rateLimit { scopes.append(RateScope(scope: "r:" + resource.name, limit: rate)) }
        }
        return scopes
    }

    private func rateRoom(_ scope: RateScope) -> Int {
        scope.limit.count - (recordedStarts[scope.scope]?.count ?? 0)
    }

    /// How many more tasks of the queue may start: its concurrency limit in force at `now` less
    /// what runs, its rate limit less what started in the window, and at most `requested`.
    package func queueRoom(requested: Int, at now: Date) -> Int {
        if follows != nil {
            // A follower takes its leader's place: none while the queue is over its limit in force
            // (lowered, or a peak window closed), nor under a rate limit.
            guard settings?.rateLimit == nil else { return 0 }
            if let limit = settings?.concurrencyLimit(at: now), queueRunning > limit { return 0 }
            return min(requested, 1)
        }
        var room = requested
        if let limit = settings?.concurrencyLimit(at: now) { room = min(room, limit - queueRunning) }
        if let rate = settings?.rateLimit { room = min(room, rateRoom(RateScope(scope: "q:" + queue, limit: rate))) }
        return room
    }

    /// How many more tasks using each limited resource may start.
    package func resourceRoom(at now: Date) -> [String: Int] {
        var rooms: [String: Int] = [:]
        for resource in resources {
            if held.contains(resource.name) {
                // The leader's place, unless the resource is over its limit in force.
                let over = resource.concurrencyLimit(at: now).map { resourceRunning[resource.name, default: 0] > $0 }
                rooms[resource.name] = over == true ? 0 : 1
                continue
            }
            var room = Int.max
            if let limit = resource.concurrencyLimit(at: now) {
                room = limit - resourceRunning[resource.name, default: 0]
            }
            if let rate = resource.rateLimit {
                room = min(room, rateRoom(RateScope(scope: "r:" + resource.name, limit: rate)))
            }
            rooms[resource.name] = room
        }
        return rooms
    }

    /// Resources with no room at `now`: tasks that use one are passed over.
    package func fullResources(at now: Date) -> [String] {
        resourceRoom(at: now).filter { $0.value <= 0 }.keys.sorted()
    }

    /// The resources whose places a follower takes over from its leader: the leader's, without a
    /// rate limit (empty when not reserving a follower).
    private var held: Set<String> {
        guard let follows else { return [] }
        return Set(resources.filter { follows.contains($0.name) && $0.rateLimit == nil }.map(\.name))
    }

    /// The tasks to start from `ordered` (claim order), by ``FlowAdmission``'s rules.
    package func admit(_ ordered: [FlowCandidate], requested: Int, at now: Date) -> [FlowCandidate] {
        if follows != nil {
            // A follower is the first candidate, on the leader's places only (resources that limit
            // nothing take no place).
            let limited = Set(resources.map(\.name))
            guard let first = ordered.first, Set(first.resources).intersection(limited).isSubset(of: held) else {
                return []
            }
            return FlowAdmission.admit(
                [first], queueRoom: queueRoom(requested: requested, at: now), resourceRoom: resourceRoom(at: now))
        }
        return FlowAdmission.admit(
            ordered, queueRoom: queueRoom(requested: requested, at: now), resourceRoom: resourceRoom(at: now))
    }

    /// Whether starting `admitted` leaves the queue's or a resource's concurrency limit with no room.
    package func atLimit(after admitted: [FlowCandidate], at now: Date) -> Bool {
        if let limit = settings?.concurrencyLimit(at: now), limit - queueRunning <= admitted.count { return true }
        for resource in resources {
            guard let limit = resource.concurrencyLimit(at: now) else { continue }
            let using = admitted.count { $0.resources.contains(resource.name) }
            if limit - resourceRunning[resource.name, default: 0] <= using { return true }
        }
        return false
    }

    /// When the earliest rate window makes room again: its oldest counted start plus its
    /// interval (`now` plus the interval when it holds none yet); nil without rate limits.
    package func retryAt(at now: Date) -> Date? {
        rateScopes.map { scope in
            (recordedStarts[scope.scope]?.oldest ?? now).addingTimeInterval(scope.limit.interval.seconds)
        }.min()
    }
}
