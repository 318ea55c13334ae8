import ArgumentParser
import Conveyor
import Foundation
import Logging
import ServiceLifecycle

/// `conveyor bench worker`: one worker process of a benchmark, started and driven by
/// `conveyor bench` (hidden from help). It runs a ``Worker`` with the no-op bench handler on the
/// bench queue, says `READY` once connected, starts on `GO`, shuts down gracefully on `STOP`
/// (or when its stdin closes) and says `BYE` last.
struct BenchWorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Internal: a worker process of `conveyor bench`, driven over stdin and stdout.",
        shouldDisplay: false
    )

    /// Where the coordinator puts the database URL, so it never shows in the process list.
    static let databaseURLVariable = "CONVEYOR_BENCH_DATABASE_URL"

    @Option(
        name: .customLong("run-database"),
        help: "The database made for this run (a PostgreSQL schema, an SQLite file name).")
    var database: String

    @Option(help: "Tasks this worker runs at once.")
    var concurrency: Int = 10

    @Flag(help: "Note each task's enqueue-to-start delay and report them before exiting.")
    var recordLatency = false

    func validate() throws {
        guard concurrency >= 1 else { throw ValidationError("--concurrency must be at least 1") }
    }

    func run() async throws {
        guard let url = ProcessInfo.processInfo.environment[Self.databaseURLVariable], !url.isEmpty else {
            throw ValidationError("\(Self.databaseURLVariable) is not set; this command is started by `conveyor bench`")
        }
        let logger = BenchCommand.logger("conveyor.bench.worker", level: .warning)
        let recorder = recordLatency ? LatencyRecorder() : nil
        let commands = LineStream.lines(of: FileHandle.standardInput)
        try await BenchBackends.withBackend(url: url, connections: 10, logger: logger) { backend in
            let client = try backend.client(forDatabase: database)
            let worker = try Worker(
                client: client, registry: BenchTask.registry(recorder: recorder),
                configuration: WorkerConfiguration(queues: [
                    QueueConfiguration(BenchTask.queue, concurrency: concurrency)
                ]),
                logger: logger
            )
            var lines = commands.makeAsyncIterator()
            BenchProtocol.say(BenchProtocol.ready)
            guard await Self.waitFor(BenchProtocol.go, in: &lines) else { return }
            let group = ServiceGroup(services: [worker], logger: logger)
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                _ = await Self.waitFor(BenchProtocol.stop, in: &lines)
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
            }
        }
        if let recorder {
            BenchProtocol.say(
                BenchProtocol.latencyPrefix + recorder.microseconds.map(String.init).joined(separator: ","))
        }
        BenchProtocol.say(BenchProtocol.bye)
    }

    /// Reads commands until `word`; false when stdin closed first.
    private static func waitFor(_ word: String, in lines: inout AsyncStream<String>.Iterator) async -> Bool {
        while let line = await lines.next() {
            if line == word { return true }
        }
        return false
    }
}
