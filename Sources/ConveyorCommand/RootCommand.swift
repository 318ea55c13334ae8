import ArgumentParser

/// The `conveyor` executable. Stand-in root until the full CLI lands; it lists `BenchCommand`.
@main
struct RootCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "conveyor", subcommands: [BenchCommand.self])
}
