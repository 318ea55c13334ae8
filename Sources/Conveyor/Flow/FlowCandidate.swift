package import Foundation

/// A waiting task as a limited claim weighs it: who owns it, where it stands, what it uses.
package struct FlowCandidate: Sendable, Hashable {
    package var id: TaskID
    package var owner: String
    package var priority: Priority
    package var runAt: Date
    package var resources: [String]

    package init(id: TaskID, owner: String, priority: Priority, runAt: Date, resources: [String]) {
        self.id = id
        self.owner = owner
        self.priority = priority
        self.runAt = runAt
        self.resources = resources
    }
}
