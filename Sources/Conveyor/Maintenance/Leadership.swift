import Synchronization

/// Whether this process currently leads; read by the maintenance services before each pass.
package final class Leadership: Sendable {
    private let value = Mutex(false)
    package init() {}
    package var isLeader: Bool { value.withLock { $0 } }
    package func set(_ isLeader: Bool) { value.withLock { $0 = isLeader } }
}
