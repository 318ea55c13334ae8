import Conveyor
import Foundation

extension BenchRunner {
    /// The queue and resource the flow workload limits.
    static let flowResource = "bench-endpoint"

    /// Flow control's cost: the end-to-end run with a queue concurrency limit, a resource limit
    /// and fair share among owners, paired with the same run (same tasks, same owners) without
    /// them, just before it, so that the ratio compares two runs from the same minute of a shared
    /// machine. The limits are twice the worker slots: in play (every claim counts, locks and
    /// orders) without capping concurrency, so the figure is the machinery's cost, not a limit's
    /// intended slowdown.
    func runFlow(run: Int) async throws {
        let shape = plan.flowShape
        let limit = shape.processes * shape.concurrency * 2
        let plain = try await withFreshDatabase { database in
            try await self.drain(database, tasks: plan.drainTasks, shape: shape, owners: plan.flowOwners)
        }
        let limited = try await withFreshDatabase { database in
            try await database.client.setQueue(QueueSettings(BenchTask.queue, concurrencyLimit: limit, fairShare: true))
            try await database.client.setResource(ResourceSettings(Self.flowResource, concurrencyLimit: limit))
            return try await self.drain(
                database, tasks: plan.drainTasks, shape: shape, owners: plan.flowOwners, resources: [Self.flowResource])
        }
        record("flow.\(shape).plain", plain.rate, note: plain.note)
        record("flow.\(shape)", limited.rate, note: limited.note)
        record("flow.\(shape).ratio", limited.rate / plain.rate * 100)
        progress(
            "run \(run): end-to-end \(shape) with flow control: \(BenchReport.format(limited.rate, unit: "")) tasks/s, "
                + "without just before: \(BenchReport.format(plain.rate, unit: "")) tasks/s"
                + (limited.note.map { "; \($0)" } ?? ""))
    }
}
