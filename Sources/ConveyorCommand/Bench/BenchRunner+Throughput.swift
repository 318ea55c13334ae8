import Conveyor
import Foundation

extension BenchRunner {
    /// What one drain measured.
    struct Drain {
        /// Tasks per second from the first claim to the last completion, as the database recorded them.
        var rate: Double
        /// Tasks per second from the start signal until the coordinator saw the queue drained.
        var wallRate: Double
        /// The largest peak resident memory of the worker processes, in bytes.
        var peakResidentBytes: Int?
        /// CPU time the worker processes used, per task, in microseconds.
        var workerCPUMicrosecondsPerTask: Double?
        var note: String?
    }

    /// End-to-end throughput: for each worker shape, a fresh database with the tasks enqueued
    /// first, then drained by worker processes.
    func runThroughput(run: Int) async throws {
        for shape in plan.shapes {
            let drain = try await withFreshDatabase { database in
                try await self.drain(database, tasks: plan.drainTasks(for: shape), shape: shape)
            }
            record("e2e.\(shape)", drain.rate, note: drain.note)
            record("e2e.\(shape).wall", drain.wallRate)
            if let cpu = drain.workerCPUMicrosecondsPerTask { record("cpu.\(shape)", cpu) }
            if let peak = drain.peakResidentBytes {
                record("rss.\(shape)", Double(peak) / 1_048_576)
            }
            progress(
                "run \(run): end-to-end \(shape): \(BenchReport.format(drain.rate, unit: "")) tasks/s"
                    + " (wall \(BenchReport.format(drain.wallRate, unit: "")) tasks/s, peak RSS "
                    + "\(BenchReport.format(drain.peakResidentBytes.map { Double($0) / 1_048_576 }, unit: "MB")) MB, "
                    + "worker CPU \(BenchReport.format(drain.workerCPUMicrosecondsPerTask, unit: "MB")) µs/task)"
                    + (drain.note.map { "; \($0)" } ?? ""))
        }
    }

    /// Enqueues `tasks` no-op tasks, settles the tables, starts the worker processes together,
    /// waits until the queue is drained and reads back what the database recorded.
    ///
    /// With `owners`, the tasks belong to that many owners, in turns of 1,000; with `resources`,
    /// each task names them.
    func drain(
        _ database: any BenchDatabase, tasks: Int, shape: BenchPlan.WorkerShape, owners: Int = 0,
        resources: [String] = []
    ) async throws -> Drain {
        var task = BenchTask.make()
        task.resources = resources
        let size = owners > 0 ? 1_000 : 10_000
        let batch = Array(repeating: task, count: min(size, tasks))
        var enqueued = 0
        var turn = 0
        while enqueued < tasks {
            let count = min(batch.count, tasks - enqueued)
            let owner = owners > 0 ? "owner-\(turn % owners)" : ""
            try await database.client.enqueueMany(
                count == batch.count ? batch : Array(batch.prefix(count)), owner: owner)
            enqueued += count
            turn += 1
        }
        try await database.settle()

        let workers = try (0..<shape.processes).map { _ in
            try startWorker(database, concurrency: shape.concurrency, recordLatency: false)
        }
        do {
            for worker in workers { try await worker.expect(BenchProtocol.ready) }
            let clock = ContinuousClock()
            let start = clock.now
            for worker in workers { worker.send(BenchProtocol.go) }
            try await waitUntilDrained(database, deadline: start.advanced(by: .seconds(900)))
            let wall = start.duration(to: clock.now)
            let peak = workers.compactMap(\.peakResidentBytes).max()
            let cpu = workers.compactMap(\.cpuSeconds)
            for worker in workers { _ = try await worker.stop() }

            let record = try await database.drainRecord(kind: BenchTask.kind)
            var notes: [String] = []
            if record.completed != tasks { notes.append("\(record.completed) of \(tasks) tasks completed") }
            if record.maxAttempt > 1 { notes.append("some task ran \(record.maxAttempt) times") }
            guard let rate = record.rate else {
                throw BenchFailure("the database recorded no claim or completion for the \(shape) drain")
            }
            return Drain(
                rate: rate, wallRate: Double(record.completed) / wall.seconds, peakResidentBytes: peak,
                workerCPUMicrosecondsPerTask: cpu.count == workers.count && record.completed > 0
                    ? cpu.reduce(0, +) / Double(record.completed) * 1_000_000 : nil,
                note: notes.isEmpty ? nil : notes.joined(separator: "; "))
        } catch {
            for worker in workers { worker.terminate() }
            throw error
        }
    }

    /// Starts a `conveyor bench worker` process on `database`; the URL goes in its environment so
    /// that a password never shows in the process list.
    func startWorker(_ database: any BenchDatabase, concurrency: Int, recordLatency: Bool) throws -> WorkerProcess {
        var arguments = ["--run-database", database.id, "--concurrency", "\(concurrency)"]
        if recordLatency { arguments.append("--record-latency") }
        return try WorkerProcess(
            executable: executable, arguments: arguments,
            environment: [BenchWorkerCommand.databaseURLVariable: databaseURL])
    }

    /// Polls until no task of the bench queue waits or runs; the figures come from the database's
    /// timestamps, so the poll interval does not change them.
    func waitUntilDrained(_ database: any BenchDatabase, deadline: ContinuousClock.Instant) async throws {
        while try await database.hasUnfinishedWork(queue: BenchTask.queue) {
            guard ContinuousClock.now < deadline else {
                throw BenchFailure("the workers did not drain the queue in time")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}
