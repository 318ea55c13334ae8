import Foundation
package import Logging

/// Keeps this worker's registration and the leases of all its running tasks alive: one statement
/// per interval. A task the database no longer gives to this worker (rescued or cancelled) has
/// its handler cancelled.
package struct Heartbeater: Sendable {
    let driver: any QueueDriver
    let running: RunningTasks
    let worker: WorkerInfo
    let leaseDuration: Duration
    let interval: Duration
    let logger: Logger

    package init(
        driver: any QueueDriver, running: RunningTasks, worker: WorkerInfo, leaseDuration: Duration,
        interval: Duration, logger: Logger
    ) {
        self.driver = driver
        self.running = running
        self.worker = worker
        self.leaseDuration = leaseDuration
        self.interval = interval
        self.logger = logger
    }

    package func run() async {
        while !Task.isCancelled {
            do {
                try await runOnce()
            } catch {
                if Task.isCancelled { return }
                logger.error("heartbeat failed", metadata: ["error": "\(String(reflecting: error))"])
            }
            do {
                try await Task.sleep(for: interval)
            } catch {
                return
            }
        }
    }

    /// Extends leases once; returns the tasks found lost, whose handlers were cancelled.
    ///
    /// A task missing from the answer whose handler has already returned is not lost: its outcome
    /// was written while the heartbeat ran (or will be refused by the fenced write, which says so).
    @discardableResult
    package func runOnce() async throws -> [TaskID] {
        let ids = running.ids
        var worker = worker
        worker.lastHeartbeatAt = Date()
        let held = Set(
            try await driver.workerHeartbeat(.init(worker: worker, taskIDs: ids, leaseDuration: leaseDuration))
        )
        let lost = ids.filter { !held.contains($0) && running.cancel($0, reason: .leaseLost) }
        if !lost.isEmpty {
            logger.warning(
                "tasks no longer held by this worker; their handlers were cancelled",
                metadata: ["count": "\(lost.count)"])
        }
        return lost
    }
}
