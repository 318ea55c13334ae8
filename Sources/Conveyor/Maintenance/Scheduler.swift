package import Foundation

/// Makes scheduled tasks (delayed, snoozed) and retryable tasks available once their time has come.
package struct Scheduler: MaintenanceService {
    let driver: any QueueDriver
    package let interval: Duration
    var batchSize = 10_000
    package var name: String { "scheduler" }

    package init(driver: any QueueDriver, interval: Duration) {
        self.driver = driver
        self.interval = interval
    }

    package func runOnce() async throws -> Int {
        try await runOnce(now: nil)
    }

    package func runOnce(now: Date?) async throws -> Int {
        var total = 0
        while true {
            let promoted = try await driver.taskPromoteDue(.init(now: now, limit: batchSize))
            total += promoted
            if promoted < batchSize { return total }
        }
    }
}
