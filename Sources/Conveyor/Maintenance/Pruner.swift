package import Foundation

/// Deletes finished tasks past their retention, so finished rows never weigh on the hot path.
package struct Pruner: MaintenanceService {
    let driver: any QueueDriver
    package let interval: Duration
    let completedRetention: Duration
    let discardedRetention: Duration
    var batchSize = 10_000
    package var name: String { "pruner" }

    package init(
        driver: any QueueDriver, interval: Duration, completedRetention: Duration, discardedRetention: Duration
    ) {
        self.driver = driver
        self.interval = interval
        self.completedRetention = completedRetention
        self.discardedRetention = discardedRetention
    }

    package func runOnce() async throws -> Int {
        try await runOnce(now: Date())
    }

    package func runOnce(now: Date) async throws -> Int {
        var total = 0
        while true {
            let deleted = try await driver.taskPrune(
                .init(
                    completedBefore: now.addingTimeInterval(-completedRetention.seconds),
                    failedBefore: now.addingTimeInterval(-discardedRetention.seconds),
                    limit: batchSize
                )
            )
            total += deleted
            if deleted < batchSize { return total }
        }
    }
}
