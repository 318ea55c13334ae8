public import Foundation

/// A shared downstream capacity, such as a TTS endpoint that accepts 10 requests at a time: its
/// limits hold across every queue, worker and machine whose tasks use it.
///
/// A task names the resources it uses (``TaskDefinition/resources``, or
/// ``EnqueueOptions/resources`` per enqueue) and starts only when every one of them has room.
/// A resource nobody configured limits nothing.
///
/// ```swift
/// try await client.setResource(ResourceSettings("tts-endpoint", concurrencyLimit: 10))
/// struct SynthesizeChunk: TaskDefinition {
///     static let name = "synthesize-chunk"
///     static let resources = ["tts-endpoint"]
///     var text: String
/// }
/// ```
public struct ResourceSettings: Sendable, Hashable {
    public var name: String
    /// At most this many tasks using the resource run at once (0 lets none start).
    public var concurrencyLimit: Int?
    /// At most this many tasks using the resource start per interval.
    public var rateLimit: RateLimit?
    /// Multiplies ``concurrencyLimit`` during a daily window.
    public var peak: PeakWindow?
    /// When the settings were last written (set by the database).
    public var updatedAt: Date?

    public init(
        _ name: String, concurrencyLimit: Int? = nil, rateLimit: RateLimit? = nil, peak: PeakWindow? = nil,
        updatedAt: Date? = nil
    ) {
        self.name = name
        self.concurrencyLimit = concurrencyLimit
        self.rateLimit = rateLimit
        self.peak = peak
        self.updatedAt = updatedAt
    }

    /// Whether the resource limits anything.
    package var isLimited: Bool { concurrencyLimit != nil || rateLimit != nil }

    /// The concurrency limit in force at `date`, the peak window applied; nil when unlimited.
    public func concurrencyLimit(at date: Date) -> Int? {
        guard let concurrencyLimit else { return nil }
        return peak?.limit(concurrencyLimit, at: date) ?? concurrencyLimit
    }

    /// Checks the settings, so a mistake is an error that says what to fix.
    public func validate() throws {
        try Self.validate(name: name)
        try FlowLimits.validate(concurrency: concurrencyLimit, rate: rateLimit, peak: peak, of: "resource '\(name)'")
    }

    /// Resource names are 1 to 100 letters, digits, `-`, `_`, `.` or `:`, such as `tts-endpoint`.
    public static func validate(name: String) throws {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:")
        guard !name.isEmpty, name.count <= 100, name.allSatisfy({ allowed.contains($0) }) else {
            throw ConveyorError(
                .invalidInput,
                "resource name '\(name)' must be 1 to 100 letters, digits, '-', '_', '.' or ':', such as tts-endpoint")
        }
    }
}
