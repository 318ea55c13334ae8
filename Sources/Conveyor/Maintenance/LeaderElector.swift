package import Logging

/// Elects one leader among all workers on a database, through a row with an expiry.
///
/// No session-level lock is held between statements, so election works behind a
/// transaction-mode connection pooler. The leader re-elects itself every third of the TTL; if
/// it dies, another worker takes the seat once the TTL has passed.
package struct LeaderElector: Sendable {
    let driver: any QueueDriver
    let leaderID: String
    let ttl: Duration
    let leadership: Leadership
    let logger: Logger

    package init(driver: any QueueDriver, leaderID: String, ttl: Duration, leadership: Leadership, logger: Logger) {
        self.driver = driver
        self.leaderID = leaderID
        self.ttl = ttl
        self.leadership = leadership
        self.logger = logger
    }

    /// Re-elects every third of the TTL until cancelled. Call ``resign()`` after, outside the cancelled task.
    package func run() async {
        while !Task.isCancelled {
            do {
                try await runOnce()
            } catch {
                if Task.isCancelled { break }
                leadership.set(false)
                logger.error("leader election failed", metadata: ["error": "\(String(reflecting: error))"])
            }
            do {
                try await Task.sleep(for: ttl / 3)
            } catch {
                return
            }
        }
    }

    /// Attempts election once; returns whether this worker leads.
    @discardableResult
    package func runOnce() async throws -> Bool {
        let elected = try await driver.leaderAttemptElect(.init(leaderID: leaderID, ttl: ttl))
        if elected != leadership.isLeader {
            logger.info(elected ? "elected leader" : "lost leadership")
        }
        leadership.set(elected)
        return elected
    }

    /// Gives the seat up so another worker can take it at once.
    package func resign() async {
        guard leadership.isLeader else { return }
        leadership.set(false)
        do {
            try await driver.leaderResign(.init(leaderID: leaderID))
        } catch {
            logger.warning("resigning leadership failed", metadata: ["error": "\(String(reflecting: error))"])
        }
    }
}
