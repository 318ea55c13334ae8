import ArgumentParser
import Logging

/// The `conveyor` executable: runs workers, applies migrations, enqueues and inspects work.
///
/// Each subcommand lives in its own file; add a new one with one line in `subcommands` below.
@main
struct ConveyorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "conveyor",
        abstract: "A distributed job queue and worker runtime.",
        discussion: """
            Every command that touches the database takes --database (or CONVEYOR_DATABASE_URL) and \
            --schema (or CONVEYOR_SCHEMA, default conveyor).
            """,
        subcommands: [
            // One line per subcommand, sorted; each is defined in its own file.
            BenchCommand.self,
            DevCommand.self,
            EnqueueCommand.self,
            JobsCommand.self,
            MigrateCommand.self,
            QueuesCommand.self,
            ResourcesCommand.self,
            ServeCommand.self,
            StatsCommand.self,
            TasksCommand.self,
            TokensCommand.self,
            WorkCommand.self,
        ]
    )

    /// Parses and runs a subcommand; any failure is one line on stderr and a non-zero exit.
    static func main() async {
        LoggingSystem.bootstrap(StreamLogHandler.standardError)
        do {
            var command = try parseAsRoot()
            if var command = command as? any AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
        } catch {
            CommandFailure.exit(with: error)
        }
    }
}
