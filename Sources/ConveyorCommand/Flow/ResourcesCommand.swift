import ArgumentParser

/// `conveyor resources`: lists shared capacities and their use; its subcommands change them.
struct ResourcesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resources",
        abstract: "List resources (shared capacities such as an endpoint) with their limits, or change them.",
        discussion: """
            A task names the resources it uses (TaskDefinition.resources, or enqueue --resources) and \
            starts only when each has room, whatever queue, worker or machine it runs on.
            """,
        subcommands: [ResourcesListCommand.self, ResourcesSetCommand.self, ResourcesRemoveCommand.self],
        defaultSubcommand: ResourcesListCommand.self
    )
}
