import ArgumentParser
import Conveyor
import Logging

/// `conveyor jobs cancel ID`.
struct JobsCancelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cancel",
        abstract: "Cancel a job: its waiting tasks at once, its running ones within about a second."
    )

    @Argument(help: "The job id.")
    var id: Int64

    @Option(help: ArgumentHelp("Recorded on each cancelled task.", valueName: "text"))
    var reason: String = "cancelled from the command line"

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var logging: LoggingOptions

    func run() async throws {
        let logger = logging.logger("conveyor.jobs", defaultLevel: .warning)
        let count = try await database.withMigratedClient(logger: logger) { client, _ in
            try await client.cancelJob(JobID(id), reason: reason)
        }
        print(
            count == 0
                ? "job \(id) had no unfinished task" : "cancelled \(count) task\(count == 1 ? "" : "s") of job \(id)")
    }
}
