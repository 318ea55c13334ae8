import Conveyor
import ConveyorBuiltins
import ConveyorPostgres
import ConveyorTesting
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Workers on a test database for the end-to-end flow tests: real `conveyor work` processes on
/// PostgreSQL, so that limits are shown to hold across processes.
enum FlowWorkers {
    /// Runs `body` with a fresh database of `driver`, its client, and the `--database` (and
    /// `--schema`) arguments a `conveyor` process needs to reach the same data.
    static func withDatabase<T: Sendable>(
        _ driver: TestDriver, _ body: (ConveyorClient, [String]) async throws -> T
    ) async throws -> T {
        switch driver {
        case .postgres:
            let url = try PostgresFixture.url()
            return try await PostgresFixture.withSchema { client, postgres in
                try await body(client, ["--database", url, "--schema", postgres.schema])
            }
        case .sqlite:
            return try await SQLiteFixture.withDatabase { client, _, path in
                try await body(client, ["--database", "sqlite://" + path])
            }
        }
    }

    /// Runs `body` while 8 worker slots per queue, in 2 workers of `slots / 2` each, serve
    /// `queues`, then stops them gracefully (running tasks finish). On PostgreSQL the workers are
    /// 2 `conveyor work` processes, so that limits are shown to hold across processes; on SQLite,
    /// the embedded database of one machine, 2 workers in this process (several processes on one
    /// SQLite file take turns at its lock, which measures SQLite, not flow control).
    static func run<T: Sendable>(
        _ driver: TestDriver, client: ConveyorClient, database: [String], queues: [String],
        slots: Int = 8, _ body: () async throws -> T
    ) async throws -> T {
        switch driver {
        case .postgres:
            let list = queues.map { "\($0):\(slots / 2)" }.joined(separator: ",")
            return try await processes(2, client: client, database + ["--queues", list], body)
        case .sqlite:
            var registry = TaskRegistry()
            BuiltinTasks.registerSleep(in: &registry)
            let workers = try (0..<2).map { _ in
                try Worker(
                    client: client, registry: registry,
                    configuration: WorkerConfiguration(
                        queues: queues.map { QueueConfiguration($0, concurrency: slots / 2) },
                        pollInterval: .milliseconds(200)),
                    logger: .test())
            }
            return try await withRunningWorkers(workers) {
                try await waitUntil("2 workers registered", timeout: .seconds(60)) {
                    try await client.workers().count >= 2
                }
                return try await body()
            }
        }
    }

    /// Starts `count` `conveyor work` processes with `arguments`, waits until each has
    /// registered, runs `body`, then stops them with SIGTERM (running tasks finish) and waits for
    /// them to exit.
    static func processes<T: Sendable>(
        _ count: Int, client: ConveyorClient, _ arguments: [String], _ body: () async throws -> T
    ) async throws -> T {
        let processes = try (0..<count).map { _ in
            try CLIProcess(
                ["work", "--shutdown-deadline", "5s", "--poll-interval", "200ms", "--log-level", "error"] + arguments)
        }
        let result: Result<T, any Error>
        do {
            try await waitUntil("\(count) worker processes registered", timeout: .seconds(60)) {
                try await client.workers().count >= count
            }
            result = .success(try await body())
        } catch {
            result = .failure(error)
        }
        for process in processes { process.signal(SIGTERM) }
        for process in processes {
            let exit = try await process.waitForExit(timeout: .seconds(60))
            #expect(exit.succeeded, "\(exit)")
        }
        return try result.get()
    }
}

/// One attempt of a timed `sleep` task, as its handler recorded it.
struct RecordedRun: Sendable {
    var task: TaskSnapshot
    var start: Double
    var end: Double

    /// The runs of a job's tasks that have finished so far.
    static func finished(_ client: ConveyorClient, job: JobID) async throws -> [RecordedRun] {
        let snapshot = try #require(try await client.job(job))
        return try snapshot.tasks.compactMap { task in
            guard let result = task.result else { return nil }
            let timing = try JSONDecoder().decode(SleepTask.Timing.self, from: Data(result.utf8))
            return RecordedRun(task: task, start: timing.startedAt, end: timing.endedAt)
        }
    }

    /// The runs of a job's completed tasks, read back from their results.
    static func of(_ client: ConveyorClient, job: JobID) async throws -> [RecordedRun] {
        let snapshot = try #require(try await client.job(job))
        return try snapshot.tasks.map { task in
            let result = try #require(task.result, "task \(task.id) has no result")
            let timing = try JSONDecoder().decode(SleepTask.Timing.self, from: Data(result.utf8))
            return RecordedRun(task: task, start: timing.startedAt, end: timing.endedAt)
        }
    }

    /// The most runs in progress at any one instant (a run ending at the instant another starts
    /// does not overlap it).
    static func maxConcurrency(_ runs: [RecordedRun], from: Double = -.infinity, to: Double = .infinity) -> Int {
        var events: [(time: Double, delta: Int)] = []
        for run in runs where run.end > from && run.start < to {
            events.append((max(run.start, from), 1))
            events.append((min(run.end, to), -1))
        }
        events.sort { $0.time < $1.time || ($0.time == $1.time && $0.delta < $1.delta) }
        var current = 0
        var peak = 0
        for event in events {
            current += event.delta
            peak = max(peak, current)
        }
        return peak
    }

    /// Run time spent between `from` and `to`, summed over runs.
    static func busy(_ runs: [RecordedRun], from: Double, to: Double) -> Double {
        runs.reduce(0) { $0 + max(0, min($1.end, to) - max($1.start, from)) }
    }
}
