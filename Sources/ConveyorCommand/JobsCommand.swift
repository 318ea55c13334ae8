import ArgumentParser

/// `conveyor jobs …`: reads jobs.
struct JobsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jobs",
        abstract: "Inspect jobs.",
        subcommands: [JobsShowCommand.self]
    )
}
