public import Conveyor
public import Logging

/// The databases the conformance suite runs every driver test against.
public enum TestDriver: String, CaseIterable, Sendable, CustomStringConvertible {
    case postgres
    case sqlite

    public var description: String { rawValue }

    /// Whether enqueues can join a caller's own database transaction
    /// (`ConveyorClient.transactional(on:)`): PostgreSQL only. This is the one place where the
    /// drivers are allowed to differ; every other conformance test runs on both unchanged.
    public var supportsTransactionalEnqueue: Bool {
        switch self {
        case .postgres: true
        case .sqlite: false
        }
    }

    /// Whether the driver's owner scope (`withOwnerScope`) itself hides other owners' rows:
    /// PostgreSQL's row-level security does; on SQLite the caller's owner checks are the only wall.
    public var enforcesOwnerScope: Bool {
        switch self {
        case .postgres: true
        case .sqlite: false
        }
    }

    /// Runs `body` with a client on a fresh, migrated database of this kind, removed afterwards.
    public func withDatabase<T: Sendable>(
        logger: Logger = .test(),
        _ body: (ConveyorClient) async throws -> T
    ) async throws -> T {
        switch self {
        case .postgres:
            try await PostgresFixture.withSchema(logger: logger) { client, _ in try await body(client) }
        case .sqlite:
            try await SQLiteFixture.withDatabase(logger: logger) { client, _, _ in try await body(client) }
        }
    }
}
