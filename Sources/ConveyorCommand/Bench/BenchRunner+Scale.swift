import Conveyor
import Foundation

extension BenchRunner {
    /// Scale: the end-to-end run again, on tables that already hold many finished and scheduled
    /// tasks (seeded in bulk, not timed).
    func runScale(run: Int) async throws {
        let shape = plan.scaleShape
        let drain = try await withFreshDatabase { database in
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
        record("scale.\(shape)", drain.rate, note: drain.note)
        progress(
            "run \(run): end-to-end \(shape) with seeded rows: \(BenchReport.format(drain.rate, unit: "")) tasks/s"
                + (drain.note.map { "; \($0)" } ?? ""))
    }
}
