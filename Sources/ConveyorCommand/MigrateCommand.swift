import ArgumentParser
import Conveyor
import Logging

/// `conveyor migrate`: creates or upgrades the tables, then prints the schema version.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Create or upgrade Conveyor's tables; safe to run from many processes at once."
    )

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var logging: LoggingOptions

    func run() async throws {
        let logger = logging.logger("conveyor.migrate", defaultLevel: .warning)
        let opened = try await database.open(logger: logger)
        let (before, after) = try await opened.withServices { client in
            let before = try await opened.migrationStatus()
            try await client.migrate()
            return (before, try await opened.migrationStatus())
        }
        let version = after.current ?? 0
        if before.current == after.current {
            print("\(opened.location) is at version \(version), up to date")
        } else {
            print("\(opened.location) migrated from version \(before.current ?? 0) to \(version)")
        }
    }
}
