import ArgumentParser
import Conveyor
import Foundation
import Logging

/// `conveyor bench`: throughput, latency, scale and memory figures against a database, printed as
/// one table (median, min and max of several runs).
///
/// ```
/// conveyor bench --database postgres://postgres@127.0.0.1:5432/postgres
/// conveyor bench --database sqlite:///var/tmp/conveyor-bench/
/// conveyor bench --database … --quick --runs 1 --only throughput
/// ```
///
/// Run it from a release build. Each workload run gets a fresh database (a schema on PostgreSQL,
/// a file in the given directory on SQLite) that is dropped afterwards; worker processes are this
/// executable re-run as `bench worker`.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure enqueue rate, end-to-end throughput, pickup latency, scale and worker memory.",
        discussion: """
            Workloads: enqueue (single from 8 callers; batches of 1,000 and 10,000), throughput \
            (100,000 no-op tasks drained by worker processes of several shapes; rate from the first \
            claim to the last completion as recorded in the database; peak RSS of each worker), \
            latency (500 single tasks 10 ms apart into an idle worker; enqueue-to-start percentiles), \
            scale (throughput again with 5M finished and 1M scheduled rows present), flow (throughput \
            with a queue limit, a resource and fair share in play, against the same run without). Each figure is \
            the median of --runs runs, with min and max. Targets are reported, not enforced.
            """,
        subcommands: [BenchWorkerCommand.self]
    )

    @Option(
        name: .customLong("database"),
        help:
            "The database to benchmark on: postgres://user@host:port/database, or sqlite:///directory/ for a file per run in that directory; default $CONVEYOR_DATABASE_URL."
    )
    var databaseURL: String?

    @Option(help: "Runs of each workload; figures are their median, min and max.")
    var runs: Int = 3

    @Flag(help: "Smaller counts (20,000 tasks per drain, 500k+100k seeded rows), for iterating.")
    var quick = false

    @Option(help: "Workloads to run, comma-separated: enqueue, throughput, latency, scale, flow (default all).")
    var only: String?

    @Option(help: "Tasks per end-to-end drain (default 100,000; 20,000 with --quick).")
    var tasks: Int?

    @Option(
        help:
            "Worker shapes for the end-to-end runs, PROCESSESxCONCURRENCY, comma-separated (default 1x1,1x10,1x50,1x200,1x500,2x100)."
    )
    var shapes: String?

    @Option(help: "Worker shape for the scale run (default 1x200).")
    var scaleShape: String?

    @Option(help: "Worker shape for the flow-control runs (default 2x100).")
    var flowShape: String?

    @Option(help: "Finished rows seeded for the scale run (default 5,000,000).")
    var seedFinished: Int?

    @Option(help: "Scheduled rows seeded for the scale run (default 1,000,000).")
    var seedScheduled: Int?

    @Option(help: "Also write the figures as JSON to this file.")
    var json: String?

    @Option(help: "Also write the figures as CSV to this file.")
    var csv: String?

    @Flag(help: "Keep each run's database (schema or file) instead of dropping it, to inspect it afterwards.")
    var keep = false

    @Option(help: "Log level of the bench and its workers (trace … critical).")
    var logLevel: String = "warning"

    func validate() throws {
        guard runs >= 1 else { throw ValidationError("--runs must be at least 1") }
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical")
        }
        _ = try plan()
    }

    /// The plan the options describe.
    func plan() throws -> BenchPlan {
        do {
            return try BenchPlan(
                quick: quick, runs: runs, only: only, tasks: tasks, shapes: shapes, scaleShape: scaleShape,
                seedFinished: seedFinished, seedScheduled: seedScheduled, flowShape: flowShape)
        } catch let failure as BenchFailure {
            throw ValidationError(failure.description)
        }
    }

    func run() async throws {
        guard let url = databaseURL ?? ProcessInfo.processInfo.environment["CONVEYOR_DATABASE_URL"], !url.isEmpty
        else {
            throw ValidationError("give the database to benchmark on with --database or CONVEYOR_DATABASE_URL")
        }
        let plan = try plan()
        let logger = Self.logger("conveyor.bench", level: Logger.Level(rawValue: logLevel) ?? .warning)
        let executable = try Self.executable()
        let startedAt = Date()
        let report = try await BenchBackends.withBackend(url: url, connections: 20, logger: logger) { backend in
            let settings = try await backend.settings()
            let runner = BenchRunner(
                backend: backend, plan: plan, executable: executable, databaseURL: url, keepDatabases: keep)
            try await runner.run()
            return BenchReport(
                startedAt: startedAt, backend: backend.name, location: backend.location, machine: BenchReport.machine(),
                settings: settings, plan: plan.description, figures: runner.figures,
                targets: BenchTarget.evaluate(runner.figures, plan: plan)
            )
        }
        print(report.table())
        if let json {
            try report.json().write(to: URL(fileURLWithPath: json))
        }
        if let csv {
            try Data(report.csv().utf8).write(to: URL(fileURLWithPath: csv))
        }
    }

    /// This executable, to re-run as `bench worker`.
    static func executable() throws -> URL {
        if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            return URL(fileURLWithPath: path)
        }
        if let url = Bundle.main.executableURL { return url }
        throw BenchFailure("cannot find this executable's path to start worker processes")
    }

    /// A logger that writes to stderr, leaving stdout to the table and the worker protocol.
    static func logger(_ label: String, level: Logger.Level) -> Logger {
        var logger = Logger(label: label) { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = level
        return logger
    }
}
