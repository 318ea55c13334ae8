/// An error from Conveyor, with a stable code.
///
/// `description` is safe to show a user: it never holds SQL, parameters or secrets. The cause,
/// when there is one, is in `debugDescription`.
public struct ConveyorError: Error, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// What kind of failure this is; stable across releases.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(_ rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        public static let invalidInput = Code("invalid_input")
        public static let invalidConfiguration = Code("invalid_configuration")
        public static let databaseUnavailable = Code("database_unavailable")
        public static let databaseFailure = Code("database_failure")
        public static let notFound = Code("not_found")
        public static let unsupported = Code("unsupported")
        public static let migrationFailure = Code("migration_failure")
    }

    public var code: Code
    public var message: String
    public var underlying: (any Error)?

    public init(_ code: Code, _ message: String, underlying: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.underlying = underlying
    }

    public var description: String { message }

    public var debugDescription: String {
        if let underlying { return "\(code): \(message) (\(String(reflecting: underlying)))" }
        return "\(code): \(message)"
    }
}
