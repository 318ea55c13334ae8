package import Logging

/// The shape every maintenance service shares: wait an interval, and if this worker leads, run one pass.
package protocol MaintenanceService: Sendable {
    associatedtype PassResult: Sendable
    var name: String { get }
    var interval: Duration { get }
    /// One pass; tests call it directly.
    func runOnce() async throws -> PassResult
}

extension MaintenanceService {
    /// Runs passes while this worker leads, until cancelled. A failed pass is logged as an error.
    package func run(leadership: Leadership, logger: Logger) async {
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: interval)
            } catch {
                return
            }
            guard leadership.isLeader else { continue }
            do {
                let result = try await runOnce()
                logger.trace("maintenance pass", metadata: ["service": "\(name)", "result": "\(result)"])
            } catch {
                if Task.isCancelled { return }
                logger.error(
                    "maintenance pass failed",
                    metadata: ["service": "\(name)", "error": "\(String(reflecting: error))"]
                )
            }
        }
    }
}
