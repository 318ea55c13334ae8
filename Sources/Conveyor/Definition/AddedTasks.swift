import Synchronization

/// The tasks a handler adds to its own job while it runs (run-time fan-out).
///
/// They are kept here, not written, until the handler returns: they are then inserted in the same
/// transaction as its completion, so a failed attempt or one that lost its lease adds nothing.
package final class AddedTasks: Sendable {
    private let tasks = Mutex<[NewTask]>([])

    package init() {}

    package func append(contentsOf added: [NewTask]) {
        tasks.withLock { $0.append(contentsOf: added) }
    }

    package var all: [NewTask] { tasks.withLock { $0 } }
}
