import ArgumentParser
import Conveyor
import ConveyorService
import Foundation
import Logging
import ServiceLifecycle
import UnixSignals

/// `conveyor serve`: the HTTP service (job API, health checks, OpenAPI) until SIGTERM or SIGINT.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the HTTP service: the job API under /v1, /healthz, /readyz and /openapi.json.",
        discussion: """
            Clients authenticate with bearer tokens from 'conveyor tokens create'. The service only \
            enqueues and reads: run 'conveyor work' (or your own workers) to run the tasks.
            """
    )

    @OptionGroup var service: ServiceOptions
    @OptionGroup var signing: SigningKeyOptions
    @OptionGroup var artifactOptions: ArtifactOptions

    @Flag(help: "Apply pending migrations before starting.")
    var migrate = false

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        try service.validate()
    }

    func run() async throws {
        let logger = logging.logger("conveyor.serve", defaultLevel: .info)
        let signer = try signing.requiredSigner()
        let store = try artifactOptions.store()
        let opened = try await database.open(logger: logger, maximumConnections: 20)
        let migrate = migrate
        var configuration = service.configuration()
        let client = opened.client
        configuration.readinessCheck = {
            try await opened.requireMigrated()
            try await ConveyorService.checkOwnerScope(client: client)
        }
        configuration.artifactSigner = signer
        configuration.artifactStore = store
        let app = ConveyorService.buildApplication(client: opened.client, configuration: configuration, logger: logger)
        let address = "http://\(configuration.host):\(configuration.port)"
        let prepared = PreparedService(
            prepare: {
                if migrate { try await opened.client.migrate() }
                try await opened.requireMigrated()
                try await ConveyorService.checkOwnerScope(client: opened.client)
                logger.info(
                    "serving",
                    metadata: [
                        "address": "\(address)",
                        "database": "\(opened.location)",
                    ])
            },
            service: app
        )
        var groupConfiguration = ServiceGroupConfiguration(
            services: opened.services + [prepared], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        groupConfiguration.maximumGracefulShutdownDuration = .seconds(30)
        try await ServiceGroup(configuration: groupConfiguration).run()
    }
}

/// `--host`, `--port` and the service's limits, shared by `serve` and `dev`.
struct ServiceOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The address to listen on (default: 127.0.0.1).", valueName: "host"))
    var host: String = "127.0.0.1"

    @Option(help: ArgumentHelp("The port to listen on (default: 8787).", valueName: "port"))
    var port: Int = 8787

    @Option(help: ArgumentHelp("Jobs each token may create per second (default: 50).", valueName: "n"))
    var createRate: Double = 50

    @Option(
        help: ArgumentHelp("Jobs a token may create at once before the rate applies (default: 100).", valueName: "n"))
    var createBurst: Int = 100

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be from 0 to 65535") }
        guard !host.isEmpty else { throw ValidationError("--host must not be empty") }
        guard createRate > 0 else { throw ValidationError("--create-rate must be more than 0") }
        guard createBurst >= 1 else { throw ValidationError("--create-burst must be at least 1") }
    }

    func configuration() -> ServiceConfiguration {
        ServiceConfiguration(host: host, port: port, createRatePerSecond: createRate, createBurst: createBurst)
    }
}
