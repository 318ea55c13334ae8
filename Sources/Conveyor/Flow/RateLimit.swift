import Foundation

/// At most `count` task starts in any window of `interval`, across every worker.
///
/// Counted from the starts the database records at claim time, never estimated: a claim admits
/// only as many tasks as the last `interval` of recorded starts leaves room for, so no window of
/// that length (sliding, not just aligned to the clock) ever holds more than `count` starts.
///
/// ```swift
/// RateLimit(5, per: .seconds(60))        // 5 a minute
/// try RateLimit(parsing: "50/s")         // 50 a second
/// try RateLimit(parsing: "100/10s")      // 100 every 10 seconds
/// ```
public struct RateLimit: Sendable, Hashable, CustomStringConvertible {
    /// Starts allowed per window (at least 1).
    public var count: Int
    /// The window (1 ms to 24 h).
    public var interval: Duration

    /// The longest window a rate limit may have: starts older than this are never counted.
    public static let maximumInterval: Duration = .seconds(86_400)

    public init(_ count: Int, per interval: Duration) {
        self.count = count
        self.interval = interval
    }

    /// Reads `COUNT/INTERVAL`, where the interval is `s`, `m`, `h`, `ms` or a number with one of
    /// them: `50/s`, `5/m`, `20/1m`, `100/10s`, `3/500ms`.
    ///
    /// - Throws: ``ConveyorError`` (`invalidInput`) saying what a valid rate looks like.
    public init(parsing text: String) throws {
        let parts = text.trimmingCharacters(in: .whitespaces).split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let count = Int(parts[0].trimmingCharacters(in: .whitespaces)),
            let interval = Self.interval(parts[1].trimmingCharacters(in: .whitespaces).lowercased())
        else {
            throw ConveyorError(
                .invalidInput,
                "rate '\(text)' is not COUNT/INTERVAL: write it like 50/s, 5/m, 100/10s or 3/500ms")
        }
        self.init(count, per: interval)
        try validate()
    }

    private static func interval(_ text: String) -> Duration? {
        let digits = text.prefix { $0.isNumber || $0 == "." }
        let unit = text.dropFirst(digits.count)
        let value = digits.isEmpty ? 1 : Double(digits)
        let scale: Double? =
            switch unit {
            case "ms": 0.001
            case "s", "sec", "second": 1
            case "m", "min", "minute": 60
            case "h", "hour": 3600
            default: nil
            }
        guard let value, let scale, value.isFinite, value > 0 else { return nil }
        return .milliseconds(Int64((value * scale * 1000).rounded()))
    }

    /// Checks the limit, so a mistake is an error that says what to fix.
    public func validate() throws {
        guard count >= 1, count <= 1_000_000 else {
            throw ConveyorError(.invalidInput, "a rate limit allows 1 to 1,000,000 starts per interval, not \(count)")
        }
        guard interval >= .milliseconds(1), interval <= Self.maximumInterval else {
            throw ConveyorError(.invalidInput, "a rate limit's interval must be between 1ms and 24h")
        }
    }

    /// The interval in whole milliseconds, as stored.
    package var intervalMilliseconds: Int64 {
        let (seconds, attoseconds) = interval.components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }

    /// `50/s`, `5/m`, `100/10s`, `3/500ms`.
    public var description: String {
        let ms = intervalMilliseconds
        let interval: String
        switch ms {
        case 1000: interval = "s"
        case 60_000: interval = "m"
        case 3_600_000: interval = "h"
        case _ where ms % 3_600_000 == 0: interval = "\(ms / 3_600_000)h"
        case _ where ms % 60_000 == 0: interval = "\(ms / 60_000)m"
        case _ where ms % 1000 == 0: interval = "\(ms / 1000)s"
        default: interval = "\(ms)ms"
        }
        return "\(count)/\(interval)"
    }
}
