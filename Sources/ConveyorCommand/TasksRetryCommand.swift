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
        let count = try await database.withMigratedClient(logger: logger) { client, _ in
            try await client.retryTask(TaskID(id))
        }
        print("redrove \(count) task\(count == 1 ? "" : "s")")
    }
}
