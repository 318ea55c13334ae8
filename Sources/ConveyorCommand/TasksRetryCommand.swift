import ArgumentParser
import Conveyor
import Logging

/// `conveyor tasks retry ID`.
struct TasksRetryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retry",
        abstract: "Run a dead-lettered (discarded or cancelled) task again, with what was cancelled because of it."
    )

    @Argument(help: "The task id.")
    var id: Int64

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var logging: LoggingOptions

    func run() async throws {
        let logger = logging.logger("conveyor.jobs", defaultLevel: .warning)
        let opened = try await database.open(logger: logger)
        let count = try await opened.withServices { client in
            try await opened.requireMigrated()
            return try await client.retryTask(TaskID(id))
        }
        print("redrove \(count) task\(count == 1 ? "" : "s")")
    }
}
