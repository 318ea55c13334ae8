import ArgumentParser

/// `conveyor tasks …`: acts on single tasks.
struct TasksCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tasks",
        abstract: "Act on single tasks.",
        subcommands: [TasksRetryCommand.self]
    )
}
