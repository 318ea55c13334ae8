import Foundation

/// How much work each workload does, and in which shapes. ``full`` is what the published figures
/// use; ``quick`` is for iterating on the hot path.
struct BenchPlan: Sendable {
    /// Which workloads to run.
    enum Workload: String, CaseIterable, Sendable, Codable {
        case enqueue, throughput, latency, scale, flow
    }

    /// A worker shape for the end-to-end workload: processes × concurrency per process.
    struct WorkerShape: Sendable, Hashable, CustomStringConvertible {
        var processes: Int
        var concurrency: Int
        var description: String { "\(processes)x\(concurrency)" }
    }

    var runs = 3
    var workloads: [Workload] = Workload.allCases

    /// Single enqueues: this many in all, spread over `singleEnqueueCallers` concurrent callers.
    var singleEnqueues = 20_000
    var singleEnqueueCallers = 8
    /// Batch enqueues: (batch size, tasks in all) for each measured batch size.
    var batchEnqueues: [(size: Int, total: Int)] = [(1_000, 100_000), (10_000, 200_000)]

    /// End-to-end: tasks enqueued before the workers start.
    var drainTasks = 100_000
    /// End-to-end with a single slot (one process at concurrency 1), which runs one commit after
    /// another: fewer tasks, so that the whole bench stays within minutes.
    var singleSlotDrainTasks = 10_000
    var shapes: [WorkerShape] = [
        .init(processes: 1, concurrency: 1), .init(processes: 1, concurrency: 10),
        .init(processes: 1, concurrency: 50), .init(processes: 1, concurrency: 200),
        .init(processes: 1, concurrency: 500), .init(processes: 2, concurrency: 100),
    ]

    /// Latency: single tasks enqueued `latencyGapMilliseconds` apart into an idle worker.
    var latencyTasks = 500
    var latencyGapMilliseconds = 10
    var latencyIdleMilliseconds = 1_000
    var latencyConcurrency = 10

    /// Tasks drained by a worker shape.
    func drainTasks(for shape: WorkerShape) -> Int {
        shape.processes * shape.concurrency == 1 ? min(singleSlotDrainTasks, drainTasks) : drainTasks
    }

    /// Flow control: the end-to-end run of `flowShape` with a queue limit, a resource and fair
    /// share among `flowOwners` owners, paired with the same run without them.
    var flowShape = WorkerShape(processes: 2, concurrency: 100)
    var flowOwners = 10

    /// Scale: rows present before the end-to-end run of `scaleShape`.
    var seedFinished = 5_000_000
    var seedScheduled = 1_000_000
    var scaleShape = WorkerShape(processes: 1, concurrency: 200)

    /// The published workloads, as the issue describes them.
    static let full = BenchPlan()

    /// Smaller counts for iterating: the same shapes, a few seconds each.
    static let quick: BenchPlan = {
        var plan = BenchPlan()
        plan.singleEnqueues = 4_000
        plan.batchEnqueues = [(1_000, 20_000), (10_000, 50_000)]
        plan.drainTasks = 20_000
        plan.singleSlotDrainTasks = 2_000
        plan.latencyTasks = 200
        plan.seedFinished = 500_000
        plan.seedScheduled = 100_000
        return plan
    }()

    /// One line per setting, for the report header.
    var description: String {
        let batches = batchEnqueues.map { "\($0.total) in batches of \($0.size)" }.joined(separator: ", ")
        return """
            runs: \(runs); workloads: \(workloads.map(\.rawValue).joined(separator: ","))
            enqueue: \(singleEnqueues) single from \(singleEnqueueCallers) callers; \(batches)
            end-to-end: \(drainTasks) no-op tasks (\(singleSlotDrainTasks) for 1x1), workers \(shapes.map(\.description).joined(separator: ", "))
            latency: \(latencyTasks) tasks \(latencyGapMilliseconds) ms apart, worker concurrency \(latencyConcurrency)
            scale: \(seedFinished) finished + \(seedScheduled) scheduled rows, workers \(scaleShape)
            flow: \(drainTasks) no-op tasks of \(flowOwners) owners, workers \(flowShape); with: queue limit and resource limit \
            of twice the slots, fair share; without: none
            """
    }
}

extension BenchPlan {
    /// The plan the command-line options describe; a bad option is a ``BenchFailure`` that says
    /// what to write instead.
    init(
        quick: Bool, runs: Int, only: String? = nil, tasks: Int? = nil, shapes: String? = nil,
        scaleShape: String? = nil, seedFinished: Int? = nil, seedScheduled: Int? = nil, flowShape: String? = nil
    ) throws {
        self = quick ? .quick : .full
        guard runs >= 1 else { throw BenchFailure("--runs must be at least 1") }
        self.runs = runs
        if let only {
            workloads = try only.split(separator: ",").map { name in
                guard let workload = Workload(rawValue: name.trimmingCharacters(in: .whitespaces)) else {
                    throw BenchFailure(
                        "--only: '\(name)' is not a workload; use enqueue, throughput, latency, scale or flow")
                }
                return workload
            }
        }
        if let tasks {
            guard tasks >= 1 else { throw BenchFailure("--tasks must be at least 1") }
            drainTasks = tasks
        }
        if let shapes {
            self.shapes = try shapes.split(separator: ",").map { try Self.shape(String($0), option: "--shapes") }
        }
        if let scaleShape { self.scaleShape = try Self.shape(scaleShape, option: "--scale-shape") }
        if let flowShape { self.flowShape = try Self.shape(flowShape, option: "--flow-shape") }
        if let seedFinished {
            guard seedFinished >= 0 else { throw BenchFailure("--seed-finished cannot be negative") }
            self.seedFinished = seedFinished
        }
        if let seedScheduled {
            guard seedScheduled >= 0 else { throw BenchFailure("--seed-scheduled cannot be negative") }
            self.seedScheduled = seedScheduled
        }
    }

    /// Reads `PROCESSESxCONCURRENCY`, e.g. `1x50`.
    static func shape(_ text: String, option: String) throws -> WorkerShape {
        let parts = text.trimmingCharacters(in: .whitespaces).lowercased().split(separator: "x")
        guard parts.count == 2, let processes = Int(parts[0]), let concurrency = Int(parts[1]), processes >= 1,
            concurrency >= 1
        else {
            throw BenchFailure("\(option): '\(text)' is not PROCESSESxCONCURRENCY, e.g. 1x50 or 2x50")
        }
        return WorkerShape(processes: processes, concurrency: concurrency)
    }
}
