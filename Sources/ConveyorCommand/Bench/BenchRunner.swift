import Conveyor
import Foundation

/// Runs the workloads of a plan against one backend and collects their figures.
///
/// Runs are interleaved (run 1 of every workload, then run 2…) so that a slow spell on a shared
/// machine spreads over all figures instead of skewing one. Every workload run starts on a fresh
/// database. Used from one task only.
final class BenchRunner {
    let backend: any BenchBackend
    let plan: BenchPlan
    /// How a worker process is started: this executable, and the URL it is given (in its environment).
    let executable: URL
    let databaseURL: String
    /// Keep each run's database instead of dropping it, to look at it afterwards.
    let keepDatabases: Bool
    private(set) var figures: [BenchFigure] = []

    init(backend: any BenchBackend, plan: BenchPlan, executable: URL, databaseURL: String, keepDatabases: Bool) {
        self.backend = backend
        self.plan = plan
        self.executable = executable
        self.databaseURL = databaseURL
        self.keepDatabases = keepDatabases
        declareFigures()
    }

    /// A fresh database for one workload run, dropped afterwards unless kept.
    func withFreshDatabase<T: Sendable>(_ body: (any BenchDatabase) async throws -> T) async throws -> T {
        try await backend.withFreshDatabase(keep: keepDatabases, body)
    }

    func run() async throws {
        for run in 1...plan.runs {
            for workload in plan.workloads {
                switch workload {
                case .enqueue: try await runEnqueue(run: run)
                case .throughput: try await runThroughput(run: run)
                case .latency: try await runLatency(run: run)
                case .scale: try await runScale(run: run)
                case .flow: try await runFlow(run: run)
                }
            }
        }
    }

    /// Fixes the order of the table: every figure the plan will measure, before any sample. The
    /// backend's remark on a workload goes under the workload's first figure.
    private func declareFigures() {
        for workload in plan.workloads {
            let first = figures.count
            switch workload {
            case .enqueue:
                declare(
                    "enqueue.single.\(plan.singleEnqueueCallers)",
                    "enqueue: single, \(plan.singleEnqueueCallers) concurrent callers", "tasks/s")
                for (size, _) in plan.batchEnqueues {
                    declare("enqueue.batch.\(size)", "enqueue: batches of \(Self.grouped(size)), 1 caller", "tasks/s")
                }
            case .throughput:
                for shape in plan.shapes {
                    let tasks =
                        plan.drainTasks(for: shape) == plan.drainTasks ? "" : ", \(plan.drainTasks(for: shape)) tasks"
                    declare("e2e.\(shape)", "end-to-end: \(Self.describe(shape))\(tasks)", "tasks/s")
                    declare(
                        "e2e.\(shape).wall", "end-to-end: \(Self.describe(shape)), start signal to drained",
                        "tasks/s", inTable: false)
                }
                for shape in plan.shapes {
                    declare("rss.\(shape)", "worker peak RSS: \(Self.describe(shape))", "MB")
                }
                for shape in plan.shapes {
                    declare(
                        "cpu.\(shape)", "worker CPU per task: \(Self.describe(shape))", "µs", inTable: false)
                }
            case .latency:
                for percentile in ["p50", "p95", "p99", "max"] {
                    declare("latency.\(percentile)", "pickup latency \(percentile), idle worker", "ms")
                }
                declare("latency.enqueue.p50", "enqueue call duration p50, latency workload", "ms", inTable: false)
            case .scale:
                let rows =
                    "\(Self.abbreviated(plan.seedFinished)) finished + \(Self.abbreviated(plan.seedScheduled)) scheduled rows"
                declare(
                    "scale.\(plan.scaleShape).empty", "end-to-end: \(Self.describe(plan.scaleShape)), paired empty run",
                    "tasks/s")
                declare(
                    "scale.\(plan.scaleShape)", "end-to-end: \(Self.describe(plan.scaleShape)), \(rows)", "tasks/s")
                declare("scale.\(plan.scaleShape).ratio", "  with \(rows) / paired empty run", "%")
            case .flow:
                let shape = plan.flowShape
                declare(
                    "flow.\(shape).plain",
                    "end-to-end: \(Self.describe(shape)), \(plan.flowOwners) owners, no flow control", "tasks/s")
                declare(
                    "flow.\(shape)",
                    "end-to-end: same, with queue limit, resource, fair share", "tasks/s")
                declare("flow.\(shape).ratio", "  with flow control / paired run without", "%")
            }
            if let remark = backend.remark(on: workload), first < figures.count {
                figures[first].notes.append(remark)
            }
        }
    }

    private func declare(_ id: String, _ label: String, _ unit: String, inTable: Bool = true) {
        figures.append(BenchFigure(id: id, label: label, unit: unit, samples: [], inTable: inTable))
    }

    /// Adds one run's value to a declared figure, with a remark when something was off.
    func record(_ id: String, _ value: Double, note: String? = nil) {
        guard let index = figures.firstIndex(where: { $0.id == id }) else {
            preconditionFailure("figure \(id) was not declared")
        }
        figures[index].samples.append(value)
        if let note { figures[index].notes.append(note) }
    }

    func progress(_ message: String) {
        FileHandle.standardError.write(Data("bench: \(message)\n".utf8))
    }

    static func describe(_ shape: BenchPlan.WorkerShape) -> String {
        shape.processes == 1
            ? "1 worker process, concurrency \(shape.concurrency)"
            : "\(shape.processes) worker processes, concurrency \(shape.concurrency) each"
    }

    static func grouped(_ value: Int) -> String { BenchReport.format(Double(value), unit: "") }

    static func abbreviated(_ value: Int) -> String {
        if value >= 1_000_000 && value.isMultiple(of: 100_000) {
            return String(format: "%gM", Double(value) / 1_000_000)
        }
        if value >= 1_000 && value.isMultiple(of: 1_000) { return "\(value / 1_000)k" }
        return "\(value)"
    }
}
