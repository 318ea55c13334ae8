import Conveyor

/// Orders a job's tasks for display as a tree: every task after its dependencies, at the depth of
/// its longest chain of dependencies, and right under the last of them.
enum JobTree {
    static func ordered(_ tasks: [TaskSnapshot]) -> [(task: TaskSnapshot, depth: Int)] {
        let byID = Dictionary(uniqueKeysWithValues: tasks.map { ($0.id, $0) })
        var depth: [TaskID: Int] = [:]
        func depthOf(_ task: TaskSnapshot, _ visiting: Set<TaskID>) -> Int {
            if let known = depth[task.id] { return known }
            let parents = task.dependsOn.compactMap { byID[$0] }.filter { !visiting.contains($0.id) }
            let value = parents.map { depthOf($0, visiting.union([task.id])) + 1 }.max() ?? 0
            depth[task.id] = value
            return value
        }
        var children: [TaskID: [TaskSnapshot]] = [:]
        var roots: [TaskSnapshot] = []
        for task in tasks {
            // Hang each task under its deepest dependency, the one it waits for last.
            let parent = task.dependsOn.compactMap { byID[$0] }.max { depthOf($0, []) < depthOf($1, []) }
            if let parent {
                children[parent.id, default: []].append(task)
            } else {
                roots.append(task)
            }
        }
        var ordered: [(TaskSnapshot, Int)] = []
        var placed = Set<TaskID>()
        func place(_ task: TaskSnapshot, _ level: Int) {
            guard placed.insert(task.id).inserted else { return }
            ordered.append((task, level))
            for child in children[task.id] ?? [] { place(child, level + 1) }
        }
        for root in roots { place(root, 0) }
        // Anything left (a dependency pruned away) still shows, at the top level.
        for task in tasks where !placed.contains(task.id) { place(task, 0) }
        return ordered
    }
}
