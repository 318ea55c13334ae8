import ArgumentParser
import Conveyor
import Logging

/// `conveyor queues pause NAME`: nothing new starts; running tasks finish.
struct QueuesPauseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pause",
        abstract: "Stop new tasks of a queue from starting; running tasks finish."
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
            try await client.pauseQueue(name)
        }
        print("queue \(name) paused: nothing new starts; running tasks finish")
    }
}
