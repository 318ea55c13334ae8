public import Foundation

/// A queue's runtime configuration, kept in the database (`queues` table) so that every worker on
/// every machine applies the same limits, and a change reaches running workers within seconds
/// without a restart (`conveyor queues set`, ``ConveyorClient/setQueue(_:)``).
///
/// A queue with no settings, or with no limit, no fair share and not paused, is claimed on the
/// fast path: one statement, no locks. Only a queue with limits (or whose tasks use resources)
/// pays for counting and ordering.
///
/// ```swift
/// var render = QueueSettings("render", concurrencyLimit: 10, fairShare: true)
/// render.peak = try PeakWindow(parsing: "06:00-21:00x1.5", timeZone: "Europe/Berlin")
/// try await client.setQueue(render)
/// ```
public struct QueueSettings: Sendable, Hashable {
    public var name: String
    /// Nothing new starts while paused; running tasks finish.
    public var paused: Bool
    /// At most this many tasks of the queue run at once, across every worker (0 lets none start).
    public var concurrencyLimit: Int?
    /// At most this many tasks of the queue start per interval, across every worker.
    public var rateLimit: RateLimit?
    /// How long one attempt may run, unless the task's definition says otherwise; overrides the
    /// worker's own default for the queue.
    public var timeout: Duration?
    /// A cap on attempts: a task of this queue is discarded after this many failed attempts even
    /// when its own max attempts is higher. Snoozed and released attempts count too.
    public var maxAttempts: Int?
    /// Take waiting tasks of different owners round-robin within each priority level, so that an
    /// owner with 1,000 waiting tasks delays an owner with one by at most one round.
    public var fairShare: Bool
    /// Multiplies ``concurrencyLimit`` during a daily window.
    public var peak: PeakWindow?
    /// When the settings were last written (set by the database).
    public var updatedAt: Date?

    public init(
        _ name: String,
        paused: Bool = false,
        concurrencyLimit: Int? = nil,
        rateLimit: RateLimit? = nil,
        timeout: Duration? = nil,
        maxAttempts: Int? = nil,
        fairShare: Bool = false,
        peak: PeakWindow? = nil,
        updatedAt: Date? = nil
    ) {
        self.name = name
        self.paused = paused
        self.concurrencyLimit = concurrencyLimit
        self.rateLimit = rateLimit
        self.timeout = timeout
        self.maxAttempts = maxAttempts
        self.fairShare = fairShare
        self.peak = peak
        self.updatedAt = updatedAt
    }

    /// Whether claims from this queue must count, order or hold back: the limited claim path.
    package var needsFlowControl: Bool {
        paused || concurrencyLimit != nil || rateLimit != nil || fairShare
    }

    /// The concurrency limit in force at `date`, the peak window applied; nil when unlimited.
    public func concurrencyLimit(at date: Date) -> Int? {
        guard let concurrencyLimit else { return nil }
        return peak?.limit(concurrencyLimit, at: date) ?? concurrencyLimit
    }

    /// Checks the settings, so a mistake is an error that says what to fix.
    public func validate() throws {
        guard !name.isEmpty, name.count <= 200 else {
            throw ConveyorError(.invalidInput, "a queue name must have 1 to 200 characters")
        }
        try FlowLimits.validate(concurrency: concurrencyLimit, rate: rateLimit, peak: peak, of: "queue '\(name)'")
        if let timeout, timeout <= .zero || timeout > .seconds(7 * 86_400) {
            throw ConveyorError(.invalidInput, "queue '\(name)': a timeout must be more than 0 and at most 7 days")
        }
        if let maxAttempts, maxAttempts < 1 || maxAttempts > Int(Int16.max) / 2 {
            throw ConveyorError(
                .invalidInput, "queue '\(name)': max attempts must be between 1 and \(Int(Int16.max) / 2)")
        }
    }
}

/// Checks shared by queue and resource settings.
enum FlowLimits {
    static let maximumConcurrency = 1_000_000

    static func validate(concurrency: Int?, rate: RateLimit?, peak: PeakWindow?, of subject: String) throws {
        if let concurrency, concurrency < 0 || concurrency > maximumConcurrency {
            throw ConveyorError(
                .invalidInput, "\(subject): a concurrency limit must be between 0 and 1,000,000, not \(concurrency)")
        }
        do {
            try rate?.validate()
            try peak?.validate()
        } catch let error as ConveyorError {
            throw ConveyorError(.invalidInput, "\(subject): \(error.message)")
        }
        if peak != nil, concurrency == nil {
            throw ConveyorError(
                .invalidInput, "\(subject): a peak window multiplies the concurrency limit, so it needs one")
        }
    }
}
