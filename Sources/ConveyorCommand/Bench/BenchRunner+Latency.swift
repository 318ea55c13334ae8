import Conveyor
import Foundation

extension BenchRunner {
    /// Pickup latency: an idle worker, then single tasks on a fixed schedule, each carrying the
    /// time taken just before its enqueue; the worker notes when each handler started.
    func runLatency(run: Int) async throws {
        let (samples, enqueueCalls) = try await withFreshDatabase { database in
            let worker = try startWorker(database, concurrency: plan.latencyConcurrency, recordLatency: true)
            do {
                try await worker.expect(BenchProtocol.ready)
                worker.send(BenchProtocol.go)
                try await Task.sleep(for: .milliseconds(plan.latencyIdleMilliseconds))
                let clock = ContinuousClock()
                let start = clock.now
                var enqueueCalls: [Double] = []
                for index in 0..<plan.latencyTasks {
                    try await Task.sleep(
                        until: start.advanced(by: .milliseconds(index * plan.latencyGapMilliseconds)), clock: clock)
                    let called = clock.now
                    try await database.client.enqueue(BenchTask.make(enqueuedAt: Date()))
                    enqueueCalls.append(called.duration(to: clock.now).seconds * 1000)
                }
                try await waitUntilDrained(database, deadline: clock.now.advanced(by: .seconds(60)))
                let lines = try await worker.stop()
                guard let line = lines.last(where: { $0.hasPrefix(BenchProtocol.latencyPrefix) }) else {
                    throw BenchFailure("the latency worker reported no samples")
                }
                let samples = line.dropFirst(BenchProtocol.latencyPrefix.count).split(separator: ",").compactMap {
                    Double($0).map { $0 / 1000 }
                }
                return (samples, enqueueCalls)
            } catch {
                worker.terminate()
                throw error
            }
        }
        let note = samples.count == plan.latencyTasks ? nil : "\(samples.count) of \(plan.latencyTasks) tasks seen"
        for (name, p) in [("p50", 50.0), ("p95", 95.0), ("p99", 99.0), ("max", 100.0)] {
            if let value = BenchStatistics.percentile(samples, p) { record("latency.\(name)", value, note: note) }
        }
        // How long the enqueue call itself took (insert, notify, commit): the first part of the delay.
        if let value = BenchStatistics.percentile(enqueueCalls, 50) { record("latency.enqueue.p50", value) }
        func summary(_ values: [Double]) -> String {
            [50.0, 95, 99].compactMap { BenchStatistics.percentile(values, $0) }
                .map { String(format: "%.2f", $0) }.joined(separator: "/")
        }
        progress(
            "run \(run): pickup latency p50/p95/p99 \(summary(samples)) ms over \(samples.count) tasks"
                + " (the enqueue call itself: \(summary(enqueueCalls)) ms)")
    }
}
