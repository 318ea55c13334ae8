public import Conveyor
public import Logging

/// The databases the conformance suite runs every driver test against.
public enum TestDriver: String, CaseIterable, Sendable, CustomStringConvertible {
    case postgres

    public var description: String { rawValue }

    /// Runs `body` with a client on a fresh, migrated database of this kind, removed afterwards.
    public func withDatabase<T: Sendable>(
        logger: Logger = .test(),
        _ body: (ConveyorClient) async throws -> T
    ) async throws -> T {
        switch self {
        case .postgres:
            try await PostgresFixture.withSchema(logger: logger) { client, _ in try await body(client) }
        }
    }
}
