import Conveyor
import ConveyorSQLite
import ConveyorTesting
import Foundation
import Testing

@testable import ConveyorCommand

@Suite("Bench on SQLite", .boundedParallelism, .timeLimit(.minutes(10)))
struct SQLiteBenchTests {
    /// A directory for one test's bench files, removed afterwards.
    static func withDirectory<T>(_ body: (URL) async throws -> T) async throws -> T {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("conveyor-bench-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        return try await body(directory)
    }

    static func files(in directory: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
    }

    @Test("every workload runs end to end on a tiny plan, and every run's file is removed afterwards")
    func endToEnd() async throws {
        var plan = try BenchPlan(quick: true, runs: 1, shapes: "1x1,1x10,2x5", scaleShape: "1x10")
        plan.singleEnqueues = 40
        plan.singleEnqueueCallers = 4
        plan.batchEnqueues = [(10, 50), (600, 1_200)]
        plan.drainTasks = 300
        plan.singleSlotDrainTasks = 20
        plan.latencyTasks = 3
        plan.latencyIdleMilliseconds = 10
        plan.seedFinished = 2_000
        plan.seedScheduled = 500
        let executable = try CLIProcess.executableURL()
        try await Self.withDirectory { directory in
            let url = "sqlite://\(directory.path)/"
            let figures = try await BenchBackends.withBackend(url: url, connections: 4, logger: .test()) { backend in
                #expect(backend.name == "sqlite")
                let settings = try await backend.settings()
                #expect(settings.contains(BenchSetting(name: "journal_mode", value: "wal")))
                #expect(settings.contains(BenchSetting(name: "synchronous", value: "NORMAL")))
                #expect(settings.contains { $0.name == "sqlite_version" })
                let runner = BenchRunner(
                    backend: backend, plan: plan, executable: executable, databaseURL: url, keepDatabases: false)
                try await runner.run()
                return runner.figures
            }
            func figure(_ id: String) throws -> BenchFigure { try #require(figures.first { $0.id == id }, "\(id)") }
            var ids = ["enqueue.single.4", "enqueue.batch.10", "enqueue.batch.600", "latency.p50", "latency.p99"]
            ids += ["scale.1x10.empty", "scale.1x10", "scale.1x10.ratio"]
            for shape in plan.shapes { ids += ["e2e.\(shape)", "rss.\(shape)"] }
            for id in ids {
                let samples = try figure(id).samples
                #expect(samples.count == 1, "\(id)")
                #expect(samples.allSatisfy { $0 > 0 }, "\(id): \(samples)")
            }
            // Every task ran once and every enqueued task was stored: no figure has a remark of its
            // own, only the backend's note on the latency workload.
            for figure in figures where figure.id != "latency.p50" {
                #expect(figure.notes.isEmpty, "\(figure.id): \(figure.notes)")
            }
            #expect(try figure("latency.p50").notes.count == 1)
            #expect(try figure("latency.p50").notes.first?.contains("poll") == true)
            #expect(try Self.files(in: directory) == [])
        }
    }

    @Test("seeded rows are finished or in the future, and never count as work to drain")
    func seed() async throws {
        try await Self.withDirectory { directory in
            try await SQLiteBenchBackend.withBackend(url: "sqlite://\(directory.path)/", logger: .test()) { backend in
                let database = try await backend.createDatabase()
                let client = database.client
                try await database.seed(
                    finished: 1_200, scheduled: 300, kind: BenchTask.seedKind, queue: BenchTask.queue)
                let seeded = try await database.drainRecord(kind: BenchTask.seedKind)
                #expect(seeded.total == 1_500)
                #expect(seeded.completed == 1_200)
                #expect(seeded.maxAttempt == 1)
                let last = try #require(seeded.lastCompletion)
                #expect(last < Date())
                #expect(last > Date().addingTimeInterval(-13 * 3600))
                #expect(try await database.hasUnfinishedWork(queue: BenchTask.queue) == false)
                let stats = try #require(try await client.queueStats(since: .distantPast).first)
                #expect(stats.scheduled == 300)
                #expect(stats.completedToday == 1_200)
                // The scheduler leaves seeded rows alone: none is due within a day.
                #expect(try await client.driver.taskPromoteDue(.init(limit: 1_000)) == 0)

                // Tasks enqueued afterwards take new ids and count as work.
                let job = try await client.enqueue(BenchTask.make())
                #expect(job.taskIDs[0].rawValue > 1_500)
                #expect(try await client.task(job.taskIDs[0])?.state == .available)
                #expect(try await database.hasUnfinishedWork(queue: BenchTask.queue))
                try await database.settle()
                try await database.drop()
                #expect(try Self.files(in: directory) == [])
            }
        }
    }

    @Test("running and retryable tasks count as unfinished; the drain record spans claim to completion")
    func unfinishedAndDrainRecord() async throws {
        try await Self.withDirectory { directory in
            try await SQLiteBenchBackend.withBackend(url: "sqlite://\(directory.path)/", logger: .test()) { backend in
                let database = try await backend.createDatabase()
                let client = database.client
                let id = try await client.enqueue(BenchTask.make()).taskIDs[0]
                let claim = TaskClaimParams(
                    queue: BenchTask.queue, limit: 1, workerID: "w", leaseDuration: .seconds(30))
                let claimed = try #require(try await client.driver.taskClaim(claim).first)
                #expect(try await database.hasUnfinishedWork(queue: BenchTask.queue))
                let failure = AttemptError(attempt: 1, at: Date(), error: "boom", worker: "w")
                let retry = TaskCompletion(
                    id: id, attempt: claimed.attempt,
                    outcome: .retry(at: Date().addingTimeInterval(3600), error: failure))
                #expect(try await client.driver.taskCompleteMany(.init(completions: [retry])) == [id])
                #expect(try await client.task(id)?.state == .retryable)
                #expect(try await database.hasUnfinishedWork(queue: BenchTask.queue))
                #expect(try await database.drainRecord(kind: BenchTask.kind).completed == 0)

                try await database.drop()
                let fresh = try await backend.createDatabase()
                try await fresh.client.enqueueMany(Array(repeating: BenchTask.make(), count: 50))
                try await drain(
                    fresh.client, registry: BenchTask.registry(recorder: nil),
                    configuration: WorkerConfiguration(queues: [QueueConfiguration(BenchTask.queue, concurrency: 8)]))
                let record = try await fresh.drainRecord(kind: BenchTask.kind)
                #expect(record.total == 50)
                #expect(record.completed == 50)
                #expect(record.maxAttempt == 1)
                let first = try #require(record.firstClaim)
                let last = try #require(record.lastCompletion)
                #expect(first <= last)
                #expect(try await fresh.hasUnfinishedWork(queue: BenchTask.queue) == false)
                try await fresh.drop()
            }
        }
    }

    @Test("a worker opens a run's file by name, and refuses a name that is no run's file")
    func workerDatabase() async throws {
        try await Self.withDirectory { directory in
            let url = "sqlite://\(directory.path)"
            let database = try await SQLiteBenchBackend.withBackend(url: url, logger: .test()) { backend in
                let database = try await backend.createDatabase()
                let job = try await database.client.enqueue(BenchTask.make())
                let worker = try backend.client(forDatabase: database.id)
                #expect(try await worker.task(job.taskIDs[0])?.state == .available)
                for id in ["bench_missing.db", "../\(database.id)", ""] {
                    #expect(throws: BenchFailure.self, "\(id)") { try backend.client(forDatabase: id) }
                }
                return database
            }
            // The backend closed both drivers on the file as its scope ended; the file goes now.
            try await database.drop()
            #expect(try Self.files(in: directory) == [])
        }
    }

    @Test("the URL names the directory: with a trailing slash, an existing directory, or a file beside the runs")
    func directory() async throws {
        try await Self.withDirectory { directory in
            let missing = directory.appendingPathComponent("new/runs").path
            let withSlash = try SQLiteBenchBackend.directory(for: "sqlite://" + missing + "/")
            #expect(withSlash == missing)
            #expect(FileManager.default.fileExists(atPath: missing))
            let existing = try SQLiteBenchBackend.directory(for: "sqlite://" + missing)
            #expect(existing == missing)
            let beside = try SQLiteBenchBackend.directory(for: "sqlite://" + missing + "/app.db")
            #expect(beside == missing)
            #expect(throws: ConveyorError.self) { try SQLiteBenchBackend.directory(for: "sqlite://host/x/") }
        }
    }
}
