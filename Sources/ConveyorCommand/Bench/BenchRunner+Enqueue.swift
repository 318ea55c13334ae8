import Conveyor

extension BenchRunner {
    /// Enqueue rates: single enqueues from concurrent callers, then batches of each size from one
    /// caller; each on a fresh database, timed by the caller's clock.
    func runEnqueue(run: Int) async throws {
        let callers = plan.singleEnqueueCallers
        let perCaller = plan.singleEnqueues / callers
        let single = try await withFreshDatabase { database in
            let client = database.client
            let clock = ContinuousClock()
            let start = clock.now
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<callers {
                    group.addTask {
                        for _ in 0..<perCaller { try await client.enqueue(BenchTask.make()) }
                    }
                }
                try await group.waitForAll()
            }
            let elapsed = start.duration(to: clock.now)
            return try await checked(database, expected: perCaller * callers, elapsed: elapsed)
        }
        record("enqueue.single.\(callers)", single.rate, note: single.note)
        progress("run \(run): enqueue single x\(callers): \(BenchReport.format(single.rate, unit: "")) tasks/s")

        for (size, total) in plan.batchEnqueues {
            let batches = max(1, total / size)
            let batch = try await withFreshDatabase { database in
                let client = database.client
                let tasks = Array(repeating: BenchTask.make(), count: size)
                let clock = ContinuousClock()
                let start = clock.now
                for _ in 0..<batches { try await client.enqueueMany(tasks) }
                let elapsed = start.duration(to: clock.now)
                return try await checked(database, expected: batches * size, elapsed: elapsed)
            }
            record("enqueue.batch.\(size)", batch.rate, note: batch.note)
            progress("run \(run): enqueue batches of \(size): \(BenchReport.format(batch.rate, unit: "")) tasks/s")
        }
    }

    /// The rate of an enqueue phase, after checking that every task is in the database.
    private func checked(
        _ database: any BenchDatabase, expected: Int, elapsed: Duration
    ) async throws -> (rate: Double, note: String?) {
        let stored = try await database.drainRecord(kind: BenchTask.kind).total
        let note = stored == expected ? nil : "expected \(expected) tasks in the database, found \(stored)"
        return (Double(expected) / elapsed.seconds, note)
    }
}
