package import Foundation

/// Turns running tasks whose lease expired (their worker died or hung) into retries, or into
/// dead letters when no attempt is left.
package struct Rescuer: MaintenanceService {
    let driver: any QueueDriver
    let retryPolicy: RetryPolicy
    package let interval: Duration
    /// Most tasks one statement rescues; a pass repeats while statements come back full.
    var batchSize = 1000
    package var name: String { "rescuer" }

    package init(driver: any QueueDriver, retryPolicy: RetryPolicy, interval: Duration) {
        self.driver = driver
        self.retryPolicy = retryPolicy
        self.interval = interval
    }

    package func runOnce() async throws -> TaskRescueResult {
        try await runOnce(now: nil)
    }

    /// - Parameter now: the time to judge leases by; nil uses the database's clock.
    package func runOnce(now: Date?) async throws -> TaskRescueResult {
        var total = TaskRescueResult(retried: 0, discarded: 0)
        while true {
            let result = try await driver.taskRescueExpired(.init(now: now, limit: batchSize, retryPolicy: retryPolicy))
            total.retried += result.retried
            total.discarded += result.discarded
            if result.retried + result.discarded < batchSize { return total }
        }
    }
}
