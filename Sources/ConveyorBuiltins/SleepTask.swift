public import Conveyor
import Foundation

/// The built-in `sleep` task: waits, then fails at random when asked to.
///
/// It exists for trying Conveyor out, for tests and for the benchmark, so it does as little as
/// it can: with `ms` 0 it starts no timer at all, and it stores no result.
///
/// Input, every field optional: `{"ms": 100, "failRate": 0.1, "timed": true}`. With `timed`, the
/// task stores when it started and ended (seconds since 1970) as its result, so that how many
/// ran at once under a limit can be read back from the database.
///
/// ```
/// conveyor enqueue sleep '{"ms": 250, "failRate": 0.2}'
/// conveyor enqueue sleep '{"ms": 2000, "timed": true}' --resources tts-endpoint
/// ```
public struct SleepTask: TaskDefinition, Hashable {
    /// The kind `sleep` tasks are stored under.
    public static let name = "sleep"

    /// Milliseconds to sleep (default 0); the sleep ends early when the task is cancelled.
    public var ms: Int
    /// The probability, from 0 to 1, that the attempt then fails with a retryable error (default 0).
    public var failRate: Double
    /// Store the attempt's start and end as the result (default false).
    public var timed: Bool

    /// A `sleep` task, for enqueueing from Swift.
    public init(ms: Int = 0, failRate: Double = 0, timed: Bool = false) {
        self.ms = ms
        self.failRate = failRate
        self.timed = timed
    }

    /// Decodes the input; a missing field is 0.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.ms = try container.decodeIfPresent(Int.self, forKey: .ms) ?? 0
        self.failRate = try container.decodeIfPresent(Double.self, forKey: .failRate) ?? 0
        self.timed = try container.decodeIfPresent(Bool.self, forKey: .timed) ?? false
    }

    /// When a `timed` attempt ran, by the worker's clock: its result.
    public struct Timing: Codable, Sendable, Hashable {
        /// Seconds since 1970 when the handler began.
        public var startedAt: Double
        /// Seconds since 1970 when it was done sleeping.
        public var endedAt: Double
    }

    /// Runs one attempt: a negative `ms` or a `failRate` outside 0…1 discards the task, since no
    /// retry can fix its input.
    public static func run(_ task: SleepTask, context: TaskContext) async throws {
        _ = try await runTimed(task, context: context)
    }

    /// Runs one attempt and returns when it started and ended.
    public static func runTimed(_ task: SleepTask, context: TaskContext) async throws -> Timing {
        let startedAt = Date().timeIntervalSince1970
        guard task.ms >= 0 else { throw TaskDiscard("ms must be 0 or more, got \(task.ms)") }
        guard task.failRate >= 0, task.failRate <= 1 else {
            throw TaskDiscard("failRate must be between 0 and 1, got \(task.failRate)")
        }
        if task.ms > 0 {
            try await Task.sleep(for: .milliseconds(task.ms))
        }
        if task.failRate > 0, Double.random(in: 0..<1) < task.failRate {
            throw SimulatedFailure(failRate: task.failRate)
        }
        return Timing(startedAt: startedAt, endedAt: Date().timeIntervalSince1970)
    }

    /// The retryable error a `sleep` task throws when its `failRate` comes up.
    public struct SimulatedFailure: Error, Sendable, CustomStringConvertible {
        /// The rate the task was enqueued with.
        public var failRate: Double
        /// Says that the failure was simulated, so nobody goes looking for a real one.
        public var description: String { "simulated failure (failRate \(failRate))" }
    }
}
