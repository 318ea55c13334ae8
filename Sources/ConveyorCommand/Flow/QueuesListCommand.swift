import ArgumentParser
import Conveyor
import Foundation
import Logging

/// `conveyor queues [list]`: one line per queue, configured or holding tasks.
struct QueuesListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List queues: limits in force now, running and waiting tasks."
    )

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var logging: LoggingOptions

    func run() async throws {
        let logger = logging.logger("conveyor.queues", defaultLevel: .warning)
        let opened = try await database.open(logger: logger)
        let (settings, stats) = try await opened.withServices { client in
            try await opened.requireMigrated()
            return (try await client.queues(), try await client.queueStats())
        }
        print(FlowReport.queues(settings, stats: stats, now: Date()), terminator: "")
    }
}
