/// The checks and the arithmetic of run-time fan-out, shared by the drivers: given the job's
/// existing tasks that the added ones name (read under lock), it refuses what cannot be added and
/// works out each added task's blocker count.
package struct FanOutCheck: Sendable {
    package enum Verdict: Sendable, Hashable {
        /// `blockers[i]` for each added task; an edge per dependency on an existing task.
        case accepted(blockers: [Int], existingEdges: [Edge])
        case refused(String)
    }

    package struct Edge: Sendable, Hashable {
        /// The added task's position.
        package var position: Int
        package var target: TaskID
    }

    package var tasks: [TaskInsert]
    package var jobID: JobID
    /// The task whose completion adds them.
    package var completing: TaskID
    /// The job's tasks named by an added task (as a dependency or as a clashing name), by name.
    package var existing: [String: (id: TaskID, state: TaskState)]

    package init(
        tasks: [TaskInsert], jobID: JobID, completing: TaskID, existing: [String: (id: TaskID, state: TaskState)]
    ) {
        self.tasks = tasks
        self.jobID = jobID
        self.completing = completing
        self.existing = existing
    }

    package func evaluate() -> Verdict {
        var blockers: [Int] = []
        var edges: [Edge] = []
        for (position, task) in tasks.enumerated() {
            let label = task.name.map { "'\($0)'" } ?? "#\(position + 1) (\(task.kind))"
            if let name = task.name, existing[name] != nil {
                return .refused("job \(jobID) already has a task named '\(name)'; give the added task another name")
            }
            var count = task.dependsOn.count
            for name in task.dependsOnExisting {
                guard let target = existing[name] else {
                    return .refused("added task \(label) depends on '\(name)', which is not a task of job \(jobID)")
                }
                switch target.state {
                case .discarded, .cancelled:
                    return .refused(
                        "added task \(label) depends on '\(name)', which was \(target.state): it could never run")
                case .completed:
                    break
                default:
                    // The first task of a job that began as one task has no completion hook: it
                    // can only be waited for as the task adding these, or once completed.
                    if target.id.rawValue == jobID.rawValue && target.id != completing {
                        return .refused(
                            "added task \(label) depends on '\(name)', the job's first task, which has not completed")
                    }
                    if target.id != completing || completing.rawValue != jobID.rawValue {
                        count += 1
                    }
                }
                edges.append(Edge(position: position, target: target.id))
            }
            blockers.append(count)
        }
        return .accepted(blockers: blockers, existingEdges: edges)
    }
}
