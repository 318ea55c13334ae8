/// Which waiting tasks a limited claim starts: the rules both drivers apply, written here as plain
/// functions (tested without a database) and used by the SQLite driver. The PostgreSQL driver
/// states the same rules in SQL, in `flow_claim` (its migration 4), so that a claim is one round
/// trip; the conformance suite holds the two drivers to the same answers.
///
/// **Order.** Priority first (a lower value runs first, strictly); within a priority, FIFO by
/// run time and id; with fair share, round-robin across owners within each priority level
/// (every owner's first task, then every owner's second…, each round in FIFO order), counting
/// the tasks each owner already runs as rounds it has had.
///
/// **Window.** A claim looks at the first ``window(requested:)`` waiting tasks in that order,
/// passing over those that use a resource with no room at all, so that tasks waiting for a full
/// resource never hide runnable ones behind them.
///
/// **Admission.** A task starts when the queue has room (its concurrency limit minus the places
/// held, its rate limit minus its recorded starts in the window) and every limited resource it
/// uses has room. A running task holds a place; a task reserved to follow a running one shares
/// that one's place (and holds its own in resources that one does not use); a task of the claiming worker whose handler has returned holds none. Room for a resource is spent by rank: the k-th task in the window that uses a
/// resource is refused when the resource has fewer than k free places, whether or not the tasks
/// ahead of it started. For tasks that use one resource this is exact; a task that uses several
/// may wait one claim longer than strictly needed, never start beyond a limit. (The rule is
/// stated by rank, not by what was admitted so far, so that it could be stated in SQL too.)
package enum FlowAdmission {
    /// Tasks a claim looks at to fill `requested` slots (tasks waiting for a resource with no room
    /// are passed over before this count).
    package static func window(requested: Int) -> Int {
        min(requested + 16, 1000)
    }

    /// Tasks fetched per owner when `owners` owners have waiting tasks: enough for the window to
    /// be filled with every owner present in each round. A claim never starts a later round's
    /// task while an earlier round's waits; when some owners run out early, it may start fewer
    /// tasks than it could (the next claim takes the rest).
    package static func perOwner(window: Int, owners: Int) -> Int {
        let owners = max(owners, 1)
        return (window + owners - 1) / owners
    }

    /// `candidates` in claim order: by priority, then run time and id; with `fairShare`, by
    /// priority, then round (what the owner runs already, `busy`, plus the task's place among
    /// its owner's waiting tasks of that priority), then run time and id. Counting what runs
    /// carries turns over from one claim to the next: an owner who just got a place waits for
    /// the others to get theirs.
    package static func order(
        _ candidates: [FlowCandidate], fairShare: Bool, busy: [String: Int] = [:]
    ) -> [FlowCandidate] {
        func fifo(_ a: FlowCandidate, _ b: FlowCandidate) -> Bool {
            (a.priority.rawValue, a.runAt, a.id.rawValue) < (b.priority.rawValue, b.runAt, b.id.rawValue)
        }
        let sorted = candidates.sorted(by: fifo)
        guard fairShare else { return sorted }
        struct Key: Hashable {
            var priority: Priority
            var owner: String
        }
        var seen: [Key: Int] = [:]
        var rounds: [(round: Int, candidate: FlowCandidate)] = []
        rounds.reserveCapacity(sorted.count)
        for candidate in sorted {
            let key = Key(priority: candidate.priority, owner: candidate.owner)
            let place = (seen[key] ?? 0) + 1
            seen[key] = place
            rounds.append((busy[candidate.owner, default: 0] + place, candidate))
        }
        return rounds.sorted { a, b in
            if a.candidate.priority != b.candidate.priority { return a.candidate.priority < b.candidate.priority }
            if a.round != b.round { return a.round < b.round }
            return fifo(a.candidate, b.candidate)
        }.map(\.candidate)
    }

    /// The tasks to start from `ordered` (claim order): at most `queueRoom`, each with room in
    /// every resource of `resourceRoom` it uses (resources not listed there are unlimited).
    package static func admit(
        _ ordered: [FlowCandidate], queueRoom: Int, resourceRoom: [String: Int]
    ) -> [FlowCandidate] {
        guard queueRoom > 0 else { return [] }
        var rank: [String: Int] = [:]
        var admitted: [FlowCandidate] = []
        for candidate in ordered {
            var refused = false
            for resource in candidate.resources {
                guard let room = resourceRoom[resource] else { continue }
                let place = (rank[resource] ?? 0) + 1
                rank[resource] = place
                if place > room { refused = true }
            }
            guard !refused else { continue }
            admitted.append(candidate)
            if admitted.count == queueRoom { break }
        }
        return admitted
    }
}
