import Conveyor
import Foundation

extension BenchRunner {
    /// Pickup latency: an idle worker, then single tasks on a fixed schedule, each carrying the
    /// time taken just before its enqueue; the worker notes when each handler started.
    func runLatency(run: Int) async throws {
        let samples = try await withFreshDatabase { database in
            let worker = try startWorker(database, concurrency: plan.latencyConcurrency, recordLatency: true)
            do {
                try await worker.expect(BenchProtocol.ready)
                worker.send(BenchProtocol.go)
                try await Task.sleep(for: .milliseconds(plan.latencyIdleMilliseconds))
                let clock = ContinuousClock()
                let start = clock.now
                for index in 0..<plan.latencyTasks {
                    try await Task.sleep(
                        until: start.advanced(by: .milliseconds(index * plan.latencyGapMilliseconds)), clock: clock)
                    try await database.client.enqueue(BenchTask.make(enqueuedAt: Date()))
                }
                try await waitUntilDrained(database, deadline: clock.now.advanced(by: .seconds(60)))
                let lines = try await worker.stop()
                guard let line = lines.last(where: { $0.hasPrefix(BenchProtocol.latencyPrefix) }) else {
                    throw BenchFailure("the latency worker reported no samples")
                }
                return line.dropFirst(BenchProtocol.latencyPrefix.count).split(separator: ",").compactMap {
                    Double($0).map { $0 / 1000 }
                }
            } catch {
                worker.terminate()
                throw error
            }
        }
        let note = samples.count == plan.latencyTasks ? nil : "\(samples.count) of \(plan.latencyTasks) tasks seen"
        for (name, p) in [("p50", 50.0), ("p95", 95.0), ("p99", 99.0), ("max", 100.0)] {
            if let value = BenchStatistics.percentile(samples, p) { record("latency.\(name)", value, note: note) }
        }
        let summary = [50.0, 95, 99].compactMap { BenchStatistics.percentile(samples, $0) }
            .map { String(format: "%.2f", $0) }.joined(separator: "/")
        progress("run \(run): pickup latency p50/p95/p99 \(summary) ms over \(samples.count) tasks")
    }
}
