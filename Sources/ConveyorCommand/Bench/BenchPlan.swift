/// How much work each workload does, and in which shapes. ``full`` is what the published figures
/// use; ``quick`` is for iterating on the hot path.
struct BenchPlan: Sendable {
    /// Which workloads to run.
    enum Workload: String, CaseIterable, Sendable, Codable {
        case enqueue, throughput, latency, scale
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
        .init(processes: 2, concurrency: 50),
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

    /// Scale: rows present before the end-to-end run of `scaleShape`.
    var seedFinished = 5_000_000
    var seedScheduled = 1_000_000
    var scaleShape = WorkerShape(processes: 1, concurrency: 50)

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
            """
    }
}
