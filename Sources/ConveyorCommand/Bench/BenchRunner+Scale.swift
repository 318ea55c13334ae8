import Conveyor
import Foundation

extension BenchRunner {
    /// Scale: the end-to-end run on tables that already hold many finished and scheduled tasks
    /// (seeded in bulk, not timed), paired with a run of the same shape on empty tables just
    /// before it, so that the ratio compares two runs from the same minute of a shared machine.
    func runScale(run: Int) async throws {
        let shape = plan.scaleShape
        let empty = try await withFreshDatabase { database in
            try await self.drain(database, tasks: plan.drainTasks, shape: shape)
        }
        let seeded = try await withFreshDatabase { database in
            let clock = ContinuousClock()
            let start = clock.now
            try await database.seed(
                finished: plan.seedFinished, scheduled: plan.seedScheduled, kind: BenchTask.seedKind,
                queue: BenchTask.queue)
            progress(
                "run \(run): seeded \(plan.seedFinished) finished + \(plan.seedScheduled) scheduled rows in "
                    + String(format: "%.1f s", start.duration(to: clock.now).seconds))
            return try await self.drain(database, tasks: plan.drainTasks, shape: shape)
        }
        record("scale.\(shape).empty", empty.rate, note: empty.note)
        record("scale.\(shape)", seeded.rate, note: seeded.note)
        record("scale.\(shape).ratio", seeded.rate / empty.rate * 100)
        progress(
            "run \(run): end-to-end \(shape) with seeded rows: \(BenchReport.format(seeded.rate, unit: "")) tasks/s, "
                + "empty tables just before: \(BenchReport.format(empty.rate, unit: "")) tasks/s"
                + (seeded.note.map { "; \($0)" } ?? ""))
    }
}
