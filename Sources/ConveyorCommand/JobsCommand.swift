import ArgumentParser

/// `conveyor jobs …`: reads jobs.
struct JobsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jobs",
        abstract: "Inspect, follow, cancel and retry jobs.",
        subcommands: [JobsShowCommand.self, JobsWatchCommand.self, JobsCancelCommand.self, JobsRetryCommand.self]
    )
}
