import ArgumentParser
import Conveyor
import Foundation

/// Turns flag values into typed values; each failure says what a valid value looks like.
enum ArgumentParsers {
    /// The unit of a duration given as a bare number.
    enum Unit: String {
        case milliseconds = "ms"
        case seconds = "s"
    }

    /// A duration: a number in `defaultUnit`, or a number with a unit, `250ms`, `30s`, `5m`, `1h`.
    static func duration(_ text: String, defaultUnit: Unit) throws -> Duration {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        let digits = trimmed.prefix { $0.isNumber || $0 == "." }
        let unit = trimmed.dropFirst(digits.count)
        let scale: Double? =
            switch unit.isEmpty ? defaultUnit.rawValue : String(unit) {
            case "ms": 0.001
            case "s": 1
            case "m": 60
            case "h": 3600
            default: nil
            }
        guard let value = Double(digits), let scale, value.isFinite else {
            throw ValidationError(
                "give a number of \(defaultUnit == .seconds ? "seconds" : "milliseconds"), or a number with ms, s, m or h, such as 30s or 500ms"
            )
        }
        return .milliseconds(Int64((value * scale * 1000).rounded()))
    }

    /// `high`, `normal`, `low` or a number from -32768 to 32767; lower runs first.
    static func priority(_ text: String) throws -> Priority {
        switch text.lowercased() {
        case "high": return .high
        case "normal": return .normal
        case "low": return .low
        default:
            guard let value = Int16(text) else {
                throw ValidationError("give high, normal, low or a number from -32768 to 32767 (lower runs first)")
            }
            return Priority(rawValue: value)
        }
    }

    /// An ISO 8601 time, `2030-01-31T09:00:00Z`, or a delay from now, `+30s`, `+5m`, `+2h`.
    static func runAt(_ text: String) throws -> Date {
        if text.hasPrefix("+") {
            let delay = try? duration(String(text.dropFirst()), defaultUnit: .seconds)
            if let delay { return Date().addingTimeInterval(delay.seconds) }
        } else if let date = try? Date(text, strategy: .iso8601) {
            return date
        } else if let date = try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)) {
            return date
        }
        throw ValidationError("give an ISO 8601 time such as 2030-01-31T09:00:00Z, or a delay such as +30s or +5m")
    }

    /// Comma-separated values, trimmed, empty ones dropped.
    static func list(_ text: String) -> [String] {
        text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}
