import ArgumentParser
import Conveyor
import Logging

/// `conveyor resources remove NAME`: the resource limits nothing any more.
struct ResourcesRemoveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove",
        abstract: "Remove a resource's limits; tasks that name it then start without waiting for it."
    )

    @Argument(help: "The resource.")
    var name: String

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        try FlowArguments.validated { try ResourceSettings.validate(name: name) }
    }

    func run() async throws {
        let opened = try await database.open(logger: logging.logger("conveyor.resources", defaultLevel: .warning))
        let removed = try await opened.withServices { client in
            try await opened.requireMigrated()
            return try await client.removeResource(name)
        }
        guard removed else {
            throw ConveyorError(.notFound, "resource '\(name)' has no settings; 'conveyor resources' lists them")
        }
        print("resource \(name) removed: it limits nothing now")
    }
}
