import ArgumentParser
import Conveyor
import Logging

/// `conveyor queues resume NAME`: tasks of a paused queue start again.
struct QueuesResumeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume",
        abstract: "Let tasks of a paused queue start again."
    )

    @Argument(help: "The queue.")
    var name: String

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        try FlowArguments.validated { try QueueSettings(name).validate() }
    }

    func run() async throws {
        let opened = try await database.open(logger: logging.logger("conveyor.queues", defaultLevel: .warning))
        try await opened.withServices { client in
            try await opened.requireMigrated()
            try await client.resumeQueue(name)
        }
        print("queue \(name) resumed")
    }
}
