import Foundation

/// How long a failed task waits before its next attempt: exponential backoff with jitter.
///
/// The delay before attempt `n + 1` is `min(maximum, initial × multiplier^(n-1))`, stretched by a
/// random factor in `[1, 1 + jitter]` so that tasks that failed together do not retry together.
public struct RetryPolicy: Sendable, Hashable {
    public var initial: Duration
    public var multiplier: Double
    public var maximum: Duration
    public var jitter: Double

    /// - Parameters:
    ///   - initial: delay after the first failed attempt (default 1 s).
    ///   - multiplier: growth per attempt (default 2).
    ///   - maximum: cap on any one delay (default 1 hour).
    ///   - jitter: random stretch, as a fraction of the delay (default 0.1).
    public init(
        initial: Duration = .seconds(1),
        multiplier: Double = 2,
        maximum: Duration = .seconds(3600),
        jitter: Double = 0.1
    ) {
        self.initial = initial
        self.multiplier = max(1, multiplier)
        self.maximum = maximum
        self.jitter = max(0, jitter)
    }

    public static let `default` = RetryPolicy()

    /// The delay after failed attempt number `attempt` (1-based), before jitter.
    public func baseDelay(afterAttempt attempt: Int) -> Duration {
        let exponent = Double(max(0, attempt - 1))
        let seconds = initial.seconds * pow(multiplier, exponent)
        return .seconds(min(seconds, maximum.seconds))
    }

    /// The delay after failed attempt number `attempt`, with jitter drawn from `random`.
    public func delay(afterAttempt attempt: Int, random: Double = Double.random(in: 0...1)) -> Duration {
        .seconds(baseDelay(afterAttempt: attempt).seconds * (1 + jitter * random))
    }
}

extension Duration {
    /// The duration in seconds, as a floating-point number.
    public var seconds: Double {
        let (whole, attoseconds) = components
        return Double(whole) + Double(attoseconds) / 1e18
    }
}
