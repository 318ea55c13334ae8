/// One measured quantity across runs (a rate, a latency, a memory peak), summarised as the
/// median with min and max.
struct BenchFigure: Sendable, Codable, Hashable {
    /// A stable key for scripts, e.g. `e2e.1x50` or `latency.p99`.
    var id: String
    /// What was measured, for the table.
    var label: String
    /// `tasks/s`, `ms`, `MB` or `%`.
    var unit: String
    /// One value per run, in run order.
    var samples: [Double]
    /// Shown in the table; false for secondary figures kept for scripts.
    var inTable = true
    /// Anything worth knowing about a run (a task that ran twice, a timeout), one entry per remark.
    var notes: [String] = []

    var median: Double? { BenchStatistics.median(samples) }
    var min: Double? { samples.min() }
    var max: Double? { samples.max() }
}

/// The arithmetic behind the figures.
enum BenchStatistics {
    /// The middle value (the mean of the two middle values for an even count); nil when empty.
    static func median(_ values: [Double]) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count.isMultiple(of: 2) ? (sorted[middle - 1] + sorted[middle]) / 2 : sorted[middle]
    }

    /// The nearest-rank percentile (`p` in 0...100): the smallest value with at least p% of values at or below it.
    static func percentile(_ values: [Double], _ p: Double) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let rank = Int((p / 100 * Double(sorted.count)).rounded(.up))
        return sorted[Swift.min(Swift.max(rank, 1), sorted.count) - 1]
    }
}
