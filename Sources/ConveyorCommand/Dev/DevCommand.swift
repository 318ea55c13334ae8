import ArgumentParser
import AsyncHTTPClient
import Conveyor
import ConveyorBuiltins
import ConveyorDemo
import Foundation
import Logging
import ServiceLifecycle
import UnixSignals

/// `conveyor dev`: Conveyor on one machine with nothing to set up.
struct DevCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dev",
        abstract: "Run a worker and a demo job on the embedded database, with live progress.",
        discussion: """
            Uses ./.conveyor/conveyor.db unless --database (or CONVEYOR_DATABASE_URL) names another \
            database; it is created on first use. Runs the built-in kinds (sleep, http) and the demo \
            kinds, enqueues a demo job of several tasks when none is unfinished, and shows its progress. \
            Ctrl-C shuts down gracefully.
            """
    )

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var artifactOptions: ArtifactOptions

    @Flag(help: "Exit when the demo job has ended, with a summary; exit status 1 if it failed.")
    var once = false

    @Option(help: ArgumentHelp("Tasks each queue runs at once.", valueName: "n"))
    var concurrency: Int = 8

    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        guard concurrency >= 1 else { throw ValidationError("--concurrency must be at least 1") }
    }

    func run() async throws {
        // Retries show in the progress line; the log says only what went wrong for good.
        let logger = logging.logger("conveyor", defaultLevel: .error)
        let opened = try await database.open(logger: logger, maximumConnections: 8)
        let httpClient = HTTPTaskConfiguration.makeClient()
        let outcome = DevOutcome()
        do {
            var registry = TaskRegistry()
            BuiltinTasks.register(in: &registry, http: try HTTPTaskConfiguration(allowedHosts: [], client: httpClient))
            DemoTasks.register(in: &registry)
            var configuration = WorkerConfiguration(
                queues: [
                    QueueConfiguration(TaskDefaults.queue, concurrency: concurrency),
                    QueueConfiguration(DemoTasks.Render.queue, concurrency: concurrency),
                ],
                pollInterval: .milliseconds(250),
                shutdownDeadline: .seconds(10),
                maintenance: MaintenanceConfiguration(promoteInterval: .milliseconds(250))
            )
            configuration.artifactStore = try artifactOptions.store()
            let worker = try Worker(
                client: opened.client, registry: registry, configuration: configuration, logger: logger)
            ProgressPrinter.line("conveyor dev: \(opened.location)")
            let client = opened.client
            let monitor = PreparedService(
                prepare: { try await opened.requireMigrated() },
                service: DemoJobMonitor(client: client, exitWhenDone: once, outcome: outcome)
            )
            var groupConfiguration = ServiceGroupConfiguration(
                services: opened.services.map { .init(service: $0) } + [
                    .init(service: worker),
                    .init(service: monitor, successTerminationBehavior: .gracefullyShutdownGroup),
                ],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
            groupConfiguration.maximumGracefulShutdownDuration = .seconds(40)
            try await ServiceGroup(configuration: groupConfiguration).run()
        } catch {
            try? await httpClient.shutdown()
            throw error
        }
        try await httpClient.shutdown()
        if once, let state = outcome.value, state != .completed {
            throw ExitCode(1)
        }
    }
}
