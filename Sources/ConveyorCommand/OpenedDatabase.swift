import Conveyor
import ServiceLifecycle

/// A database ready to use: its client, and the services (such as a connection pool) that must
/// run while the client is used.
struct OpenedDatabase: Sendable {
    var client: ConveyorClient
    /// Run these alongside anything that uses ``client``, e.g. in a `ServiceGroup`.
    var services: [any Service]
    /// Where the data lives, password hidden, for messages.
    var location: String
    /// Reads which schema version is applied; needs the services running.
    var migrationStatus: @Sendable () async throws -> MigrationStatus

    /// Runs the services while `body` runs, and stops them afterwards.
    func withServices<T: Sendable>(_ body: (ConveyorClient) async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for service in services {
                group.addTask { try await service.run() }
            }
            defer { group.cancelAll() }
            return try await body(client)
        }
    }

    /// Throws an error that says to run `conveyor migrate` when the schema is missing or older
    /// than this build; a newer schema is fine, since migrations only ever add.
    func requireMigrated() async throws {
        let status = try await migrationStatus()
        guard let current = status.current else {
            throw ConveyorError(
                .invalidConfiguration,
                "\(location) has no Conveyor tables yet: run 'conveyor migrate' first (or 'conveyor work --migrate')"
            )
        }
        guard current >= status.latest else {
            throw ConveyorError(
                .invalidConfiguration,
                "\(location) is at version \(current) but this conveyor needs \(status.latest): run 'conveyor migrate'"
            )
        }
        guard status.missing.isEmpty else {
            let versions = status.missing.map(String.init).joined(separator: ", ")
            throw ConveyorError(
                .invalidConfiguration,
                "\(location) lacks migration \(versions) of this conveyor: run 'conveyor migrate'"
            )
        }
    }
}

/// Which schema version a database has, and which this build knows.
struct MigrationStatus: Sendable, Hashable {
    /// The highest version applied; nil when the schema has no Conveyor tables.
    var current: Int?
    /// The highest version this build can apply.
    var latest: Int
    /// Versions this build knows that are not applied, such as one numbered below the current
    /// version that arrived with a later build.
    var missing: [Int] = []
}
