public import Foundation

/// A daily window during which a concurrency limit is multiplied: more capacity in busy hours
/// (`06:00-21:00 × 1.5`), or less when a shared endpoint is under load elsewhere (`× 0.5`).
///
/// The window is read in its own time zone, so it follows daylight-saving changes.
///
/// ```swift
/// let peak = try PeakWindow(parsing: "06:00-21:00x1.5", timeZone: "Europe/Berlin")
/// peak.limit(10, at: Date())   // 15 between 06:00 and 21:00 in Berlin, 10 otherwise
/// ```
public struct PeakWindow: Sendable, Hashable, CustomStringConvertible {
    /// Minutes after midnight when the window opens (0 to 1439).
    public var start: Int
    /// Minutes after midnight when it closes (1 to 1440); earlier than `start`, the window spans midnight.
    public var end: Int
    /// What the limit is multiplied by inside the window (more than 0, at most 100); the result
    /// is rounded down.
    public var multiplier: Double
    /// An IANA time zone identifier, such as `UTC` or `Europe/Berlin`.
    public var timeZone: String

    public init(start: Int, end: Int, multiplier: Double, timeZone: String = "UTC") {
        self.start = start
        self.end = end
        self.multiplier = multiplier
        self.timeZone = timeZone
    }

    /// Reads `HH:MM-HH:MMxMULTIPLIER` (`*` works for `x` too), e.g. `06:00-21:00x1.5` or `22:00-02:00x0.5`.
    ///
    /// - Throws: ``ConveyorError`` (`invalidInput`) saying what a valid window looks like.
    public init(parsing text: String, timeZone: String = "UTC") throws {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        let malformed = ConveyorError(
            .invalidInput,
            "peak window '\(text)' is not HH:MM-HH:MMxMULTIPLIER: write it like 06:00-21:00x1.5")
        guard let times = trimmed.split(whereSeparator: { $0 == "x" || $0 == "*" }).first,
            trimmed.split(whereSeparator: { $0 == "x" || $0 == "*" }).count == 2,
            let multiplierText = trimmed.split(whereSeparator: { $0 == "x" || $0 == "*" }).last,
            let multiplier = Double(multiplierText)
        else { throw malformed }
        let bounds = times.split(separator: "-", omittingEmptySubsequences: false)
        guard bounds.count == 2, let start = Self.minutes(bounds[0]), let end = Self.minutes(bounds[1]) else {
            throw malformed
        }
        self.init(start: start, end: end, multiplier: multiplier, timeZone: timeZone)
        try validate()
    }

    private static func minutes(_ text: Substring) -> Int? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[1].count == 2, let hour = Int(parts[0]), let minute = Int(parts[1]),
            (0...24).contains(hour), (0...59).contains(minute), hour * 60 + minute <= 1440
        else { return nil }
        return hour * 60 + minute
    }

    /// Checks the window, so a mistake is an error that says what to fix.
    public func validate() throws {
        guard (0..<1440).contains(start), (0...1440).contains(end), start != end else {
            throw ConveyorError(.invalidInput, "a peak window must open and close at different times of day")
        }
        guard multiplier.isFinite, multiplier > 0, multiplier <= 100 else {
            throw ConveyorError(.invalidInput, "a peak multiplier must be more than 0 and at most 100")
        }
        guard TimeZone(identifier: timeZone) != nil else {
            throw ConveyorError(
                .invalidInput, "unknown time zone '\(timeZone)': use an IANA name such as UTC or Europe/Berlin")
        }
    }

    /// Whether `date` falls inside the window, in its time zone.
    public func contains(_ date: Date) -> Bool {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: timeZone) ?? TimeZone(secondsFromGMT: 0)!
        let parts = calendar.dateComponents([.hour, .minute], from: date)
        let minute = (parts.hour ?? 0) * 60 + (parts.minute ?? 0)
        return start < end ? (start..<end).contains(minute) : (minute >= start || minute < end)
    }

    /// `base` multiplied (and rounded down) when `date` is inside the window, else `base`.
    public func limit(_ base: Int, at date: Date) -> Int {
        guard contains(date) else { return base }
        return max(0, Int((Double(base) * multiplier).rounded(.down)))
    }

    /// `06:00-21:00x1.5 Europe/Berlin`.
    public var description: String {
        func clock(_ minutes: Int) -> String {
            let hours = minutes / 60
            let rest = minutes % 60
            return (hours < 10 ? "0" : "") + "\(hours):" + (rest < 10 ? "0" : "") + "\(rest)"
        }
        let multiplierText =
            multiplier == multiplier.rounded() ? String(Int(multiplier)) : String(multiplier)
        return "\(clock(start))-\(clock(end))x\(multiplierText) \(timeZone)"
    }
}
