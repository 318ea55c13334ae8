import Foundation

/// How times read in command output: ISO 8601 in UTC, with a short relative form for people.
enum TimeText {
    static func iso(_ date: Date) -> String {
        date.formatted(.iso8601)
    }

    /// `2030-01-31T09:00:00Z (in 5m)` or `… (12s ago)`.
    static func withRelative(_ date: Date, now: Date = Date()) -> String {
        let seconds = date.timeIntervalSince(now)
        if abs(seconds) < 1 { return "\(iso(date)) (now)" }
        return seconds > 0 ? "\(iso(date)) (in \(span(seconds)))" : "\(iso(date)) (\(span(-seconds)) ago)"
    }

    /// `850ms`, `42s`, `5m`, `3h`, `2d`.
    static func span(_ seconds: Double) -> String {
        switch seconds {
        case ..<1: "\(Int((seconds * 1000).rounded()))ms"
        case ..<120: "\(Int(seconds))s"
        case ..<7200: "\(Int(seconds / 60))m"
        case ..<172_800: "\(Int(seconds / 3600))h"
        default: "\(Int(seconds / 86_400))d"
        }
    }
}
