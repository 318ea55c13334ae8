import ArgumentParser
import Conveyor
import Foundation
import Logging

/// `conveyor resources [list]`: one line per resource, configured or in use.
struct ResourcesListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List resources: limits in force now and running tasks."
    )

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var logging: LoggingOptions

    func run() async throws {
        let logger = logging.logger("conveyor.resources", defaultLevel: .warning)
        let opened = try await database.open(logger: logger)
        let (settings, usage) = try await opened.withServices { client in
            try await opened.requireMigrated()
            return (try await client.resources(), try await client.resourceUsage())
        }
        print(FlowReport.resources(settings, usage: usage, now: Date()), terminator: "")
    }
}
