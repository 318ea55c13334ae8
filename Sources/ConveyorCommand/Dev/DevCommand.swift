import ArgumentParser
import AsyncHTTPClient
import Conveyor
import ConveyorArtifacts
import ConveyorBuiltins
import ConveyorDemo
import ConveyorService
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
    @OptionGroup var service: ServiceOptions
    @OptionGroup var signing: SigningKeyOptions

    @Flag(inversion: .prefixedNo, help: "Serve the HTTP API (on --host and --port) with a development token.")
    var serve = true

    @Flag(help: "Exit when the demo job has ended, with a summary; exit status 1 if it failed.")
    var once = false

    @Option(help: ArgumentHelp("Tasks each queue runs at once.", valueName: "n"))
    var concurrency: Int = 8

    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        guard concurrency >= 1 else { throw ValidationError("--concurrency must be at least 1") }
        try service.validate()
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
            var services: [ServiceGroupConfiguration.ServiceConfiguration] = opened.services.map { .init(service: $0) }
            services.append(.init(service: worker))
            if serve {
                services.append(
                    .init(
                        service: api(
                            opened, signer: try signing.signerOrGenerated(), store: configuration.artifactStore,
                            logger: logger)))
            }
            services.append(.init(service: monitor, successTerminationBehavior: .gracefullyShutdownGroup))
            var groupConfiguration = ServiceGroupConfiguration(
                services: services,
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

    /// The HTTP service, with an admin token issued for this session and printed with the address
    /// once the server listens.
    private func api(
        _ opened: OpenedDatabase, signer: ArtifactURLSigner, store: (any ArtifactStore)?, logger: Logger
    ) -> some Service {
        var configuration = service.configuration()
        configuration.readinessCheck = { try await opened.requireMigrated() }
        configuration.artifactSigner = signer
        configuration.artifactStore = store
        let host = configuration.host
        let client = opened.client
        return ConveyorService.buildApplication(
            client: client, configuration: configuration, logger: logger,
            onListening: { port in
                do {
                    let issued = try await AccessTokens(client: client)
                        .issue(owner: "dev", role: .admin, label: "conveyor dev")
                    ProgressPrinter.line(
                        "conveyor dev: API at http://\(host):\(port) (try: curl -H 'Authorization: Bearer \(issued.token)' http://\(host):\(port)/v1/jobs)"
                    )
                } catch {
                    ProgressPrinter.line("conveyor dev: API at http://\(host):\(port); no development token: \(error)")
                }
            })
    }
}
