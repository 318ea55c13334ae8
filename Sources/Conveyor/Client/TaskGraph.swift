/// Checks the dependencies among tasks enqueued together and turns names into positions.
///
/// Errors name the task: a dependency on itself, on a name no task has, two tasks with one name,
/// or a cycle. For run-time fan-out (`allowsExisting`), a name not among the new tasks is taken as
/// a task already in the job; the driver checks it exists.
package enum TaskGraph {
    package static func inserts(for tasks: [NewTask], allowsExisting: Bool = false) throws -> [TaskInsert] {
        var positions: [String: Int] = [:]
        for (position, task) in tasks.enumerated() {
            guard let name = task.name else { continue }
            guard !name.isEmpty else {
                throw ConveyorError(
                    .invalidInput, "task \(label(task, position)) has an empty name; omit it or give one")
            }
            guard positions.updateValue(position, forKey: name) == nil else {
                throw ConveyorError(.invalidInput, "two tasks of the job are named '\(name)'; names must be unique")
            }
        }
        var inserts: [TaskInsert] = []
        inserts.reserveCapacity(tasks.count)
        for (position, task) in tasks.enumerated() {
            var insert = try ConveyorClient.validated(task)
            insert.name = task.name
            var seen = Set<String>()
            for dependency in task.dependsOn where seen.insert(dependency).inserted {
                if dependency == task.name {
                    throw ConveyorError(.invalidInput, "task \(label(task, position)) depends on itself")
                }
                if let target = positions[dependency] {
                    insert.dependsOn.append(target)
                } else if allowsExisting {
                    insert.dependsOnExisting.append(dependency)
                } else {
                    throw ConveyorError(
                        .invalidInput,
                        "task \(label(task, position)) depends on '\(dependency)', which is not a task of the job")
                }
            }
            inserts.append(insert)
        }
        try checkAcyclic(inserts, tasks: tasks)
        return inserts
    }

    /// Kahn's algorithm: whatever cannot be ordered lies on or behind a cycle.
    private static func checkAcyclic(_ inserts: [TaskInsert], tasks: [NewTask]) throws {
        var waiting = inserts.map(\.dependsOn.count)
        var dependents = Array(repeating: [Int](), count: inserts.count)
        for (position, insert) in inserts.enumerated() {
            for target in insert.dependsOn { dependents[target].append(position) }
        }
        var ready = waiting.indices.filter { waiting[$0] == 0 }
        var ordered = 0
        while let next = ready.popLast() {
            ordered += 1
            for dependent in dependents[next] {
                waiting[dependent] -= 1
                if waiting[dependent] == 0 { ready.append(dependent) }
            }
        }
        guard ordered < inserts.count else { return }
        let stuck = waiting.indices.filter { waiting[$0] > 0 }.prefix(5).map { label(tasks[$0], $0) }
        throw ConveyorError(
            .invalidInput,
            "the dependencies of tasks \(stuck.joined(separator: ", ")) form a cycle: none could ever start")
    }

    /// `'name'`, or `#3 (kind)` for a task without a name.
    static func label(_ task: NewTask, _ position: Int) -> String {
        task.name.map { "'\($0)'" } ?? "#\(position + 1) (\(task.kind))"
    }
}
