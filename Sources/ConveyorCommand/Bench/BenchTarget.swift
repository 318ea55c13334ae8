/// A goal a figure is held against (from the benchmark issue), and how the run measured up.
/// Targets are reported, never asserted: a missed one is a finding to explain, not a failure.
struct BenchTarget: Sendable, Codable, Hashable {
    enum Comparison: String, Sendable, Codable {
        case atLeast = "≥"
        case atMost = "≤"
    }

    var label: String
    var comparison: Comparison
    var threshold: Double
    var unit: String
    /// The measured value compared (usually a median), or nil when the figure was not measured.
    var measured: Double?
    /// Which figure the value comes from.
    var source: String

    var met: Bool? {
        guard let measured else { return nil }
        switch comparison {
        case .atLeast: return measured >= threshold
        case .atMost: return measured <= threshold
        }
    }

    /// The targets of the benchmark issue, evaluated on `figures`.
    static func evaluate(_ figures: [BenchFigure], plan: BenchPlan) -> [BenchTarget] {
        func figure(_ id: String) -> BenchFigure? { figures.first { $0.id == id } }
        var targets: [BenchTarget] = []

        let single = figures.filter { $0.id.hasPrefix("e2e.1x") && !$0.id.hasSuffix(".wall") }
        let best = single.max { ($0.median ?? 0) < ($1.median ?? 0) }
        targets.append(
            BenchTarget(
                label: "end-to-end, one worker process (best shape)", comparison: .atLeast, threshold: 25_000,
                unit: "tasks/s", measured: best?.median, source: best?.id ?? "e2e.1x*"))
        for (size, _) in plan.batchEnqueues {
            let id = "enqueue.batch.\(size)"
            targets.append(
                BenchTarget(
                    label: "batch enqueue, batches of \(BenchReport.format(Double(size), unit: ""))",
                    comparison: .atLeast,
                    threshold: 300_000,
                    unit: "tasks/s", measured: figure(id)?.median, source: id))
        }
        targets.append(
            BenchTarget(
                label: "pickup latency p50", comparison: .atMost, threshold: 2, unit: "ms",
                measured: figure("latency.p50")?.median, source: "latency.p50"))
        targets.append(
            BenchTarget(
                label: "pickup latency p99", comparison: .atMost, threshold: 10, unit: "ms",
                measured: figure("latency.p99")?.median, source: "latency.p99"))
        let ratioID = "scale.\(plan.scaleShape).ratio"
        targets.append(
            BenchTarget(
                label: "end-to-end with old rows present, as % of empty tables", comparison: .atLeast,
                threshold: 90, unit: "%", measured: figure(ratioID)?.median, source: ratioID))
        let flowID = "flow.\(plan.flowShape).ratio"
        targets.append(
            BenchTarget(
                label: "end-to-end with a queue limit, a resource and fair share, as % of without",
                comparison: .atLeast, threshold: 80, unit: "%", measured: figure(flowID)?.median, source: flowID))
        let memory = figures.filter { $0.id.hasPrefix("rss.") }
        let peak = memory.max { ($0.max ?? 0) < ($1.max ?? 0) }
        targets.append(
            BenchTarget(
                label: "worker peak resident memory (largest run)", comparison: .atMost, threshold: 50, unit: "MB",
                measured: peak?.max, source: peak?.id ?? "rss.*"))
        return targets
    }
}
