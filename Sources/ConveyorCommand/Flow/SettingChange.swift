import ArgumentParser
import Conveyor
import Foundation

/// What a flag of `conveyor queues set` or `conveyor resources set` does to one setting: set it,
/// or clear it with `none`. A flag not given leaves the setting as it is.
enum SettingChange<Value: Sendable>: Sendable {
    case set(Value)
    case clear

    /// The new value, given the current one.
    func applied(to current: Value?) -> Value? {
        switch self {
        case .set(let value): value
        case .clear: nil
        }
    }

    /// Reads `none`, or a value with `parse`; a failure says what to write instead.
    static func parse(_ text: String, _ parse: (String) throws -> Value) throws -> Self {
        if text.lowercased() == "none" { return .clear }
        return .set(try parse(text))
    }
}

/// Parsers for flow-control flags; each failure is a one-line message saying what to write.
enum FlowArguments {
    static func limit(_ text: String) throws -> SettingChange<Int> {
        try .parse(text) { text in
            guard let value = Int(text), value >= 0, value <= 1_000_000 else {
                throw ValidationError("give a number from 0 to 1,000,000, or none to remove the limit")
            }
            return value
        }
    }

    static func rate(_ text: String) throws -> SettingChange<RateLimit> {
        try .parse(text) { text in
            do {
                return try RateLimit(parsing: text)
            } catch let error as ConveyorError {
                throw ValidationError(error.message + ", or none to remove the limit")
            }
        }
    }

    static func timeout(_ text: String) throws -> SettingChange<Duration> {
        try .parse(text) { text in
            let duration = try ArgumentParsers.duration(text, defaultUnit: .seconds)
            guard duration > .zero, duration <= .seconds(7 * 86_400) else {
                throw ValidationError("give a duration of more than 0 and at most 7 days, such as 30s or 5m")
            }
            return duration
        }
    }

    static func maxAttempts(_ text: String) throws -> SettingChange<Int> {
        try .parse(text) { text in
            guard let value = Int(text), (1...Int(Int16.max) / 2).contains(value) else {
                throw ValidationError("give a number from 1 to \(Int(Int16.max) / 2), or none")
            }
            return value
        }
    }

    /// A window without its time zone yet; `--time-zone` gives it.
    static func peak(_ text: String) throws -> SettingChange<PeakWindow> {
        try .parse(text) { text in
            do {
                return try PeakWindow(parsing: text)
            } catch let error as ConveyorError {
                throw ValidationError(error.message + ", or none to remove it")
            }
        }
    }

    static func timeZone(_ text: String) throws -> String {
        guard TimeZone(identifier: text) != nil else {
            throw ValidationError("unknown time zone '\(text)': use an IANA name such as UTC or Europe/Berlin")
        }
        return text
    }

    /// The peak window after `--peak` and `--time-zone`, from the current one.
    static func peak(
        current: PeakWindow?, change: SettingChange<PeakWindow>?, timeZone: String?
    ) throws -> PeakWindow? {
        var peak = change.map { $0.applied(to: current) } ?? current
        if let timeZone {
            guard peak != nil else {
                throw ValidationError("--time-zone applies to a peak window: give --peak too")
            }
            peak?.timeZone = timeZone
        } else if case .set = change, let current {
            // A new window keeps the time zone of the one it replaces.
            peak?.timeZone = current.timeZone
        }
        return peak
    }

    /// Turns a settings check into the command's one-line validation error.
    static func validated(_ check: () throws -> Void) throws {
        do {
            try check()
        } catch let error as ConveyorError where error.code == .invalidInput {
            throw ValidationError(error.message)
        }
    }
}
