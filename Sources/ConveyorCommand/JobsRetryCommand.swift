import ArgumentParser
import Conveyor
import Logging

/// `conveyor jobs retry ID`.
struct JobsRetryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retry",
        abstract: "Run a failed job again: its discarded and cancelled tasks, with a fresh attempt budget."
    )

    @Argument(help: "The job id.")
    var id: Int64

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var logging: LoggingOptions

    func run() async throws {
        let logger = logging.logger("conveyor.jobs", defaultLevel: .warning)
        let count = try await database.withMigratedClient(logger: logger) { client, _ in
            try await client.retryJob(JobID(id))
        }
        print(
            count == 0
                ? "job \(id) has no discarded or cancelled task to retry"
                : "redrove \(count) task\(count == 1 ? "" : "s") of job \(id)")
    }
}
