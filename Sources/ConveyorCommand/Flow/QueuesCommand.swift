import ArgumentParser

/// `conveyor queues`: lists every queue's limits and load; its subcommands change them.
struct QueuesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "queues",
        abstract: "List queues with their limits, or change them (set, pause, resume).",
        discussion: """
            Settings live in the database: every worker applies a change within a few seconds, \
            without a restart. A queue nobody configured runs unlimited.
            """,
        subcommands: [
            QueuesListCommand.self, QueuesSetCommand.self, QueuesPauseCommand.self, QueuesResumeCommand.self,
        ],
        defaultSubcommand: QueuesListCommand.self
    )
}
