import ArgumentParser
import AsyncHTTPClient
import Conveyor
import ConveyorBuiltins
import Foundation
import Logging
import ServiceLifecycle
import UnixSignals

/// `conveyor work`: runs a worker with the built-in task kinds until SIGTERM or SIGINT.
struct WorkCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "work",
        abstract: "Run a worker with the built-in task kinds (sleep, http) until SIGTERM or SIGINT.",
        discussion: """
            On SIGTERM or SIGINT the worker stops claiming, lets running tasks finish within \
            --shutdown-deadline, hands the rest back to their queues and exits 0.

            Durations take a unit: 500ms, 30s, 5m, 1h; a bare number is in the unit the option names.
            """
    )

    static let httpAllowVariable = "CONVEYOR_HTTP_ALLOW_HOSTS"

    @Option(
        help: ArgumentHelp(
            "Queues to run, comma-separated; each may name its own concurrency, as in email:20,default.",
            valueName: "queues"))
    var queues: String = TaskDefaults.queue

    @Option(help: ArgumentHelp("Tasks each queue runs at once, unless the queue names its own.", valueName: "n"))
    var concurrency: Int = 10

    @Option(
        help: ArgumentHelp(
            "How long a claimed task is held without a heartbeat before it may be rescued (default: 30s).",
            valueName: "seconds"),
        transform: { try ArgumentParsers.duration($0, defaultUnit: .seconds) })
    var leaseDuration: Duration = .seconds(30)

    @Option(
        help: ArgumentHelp(
            "On shutdown, how long running tasks may take to finish before they are handed back (default: 30s).",
            valueName: "seconds"),
        transform: { try ArgumentParsers.duration($0, defaultUnit: .seconds) })
    var shutdownDeadline: Duration = .seconds(30)

    @Option(
        help: ArgumentHelp(
            "How often to look for work when no notification arrives (default: 1000ms).", valueName: "ms"),
        transform: { try ArgumentParsers.duration($0, defaultUnit: .milliseconds) })
    var pollInterval: Duration = .seconds(1)

    @Option(
        help: ArgumentHelp(
            "How long one attempt may run before it is cancelled and retried (default: 30m).", valueName: "seconds"),
        transform: { try ArgumentParsers.duration($0, defaultUnit: .seconds) })
    var taskTimeout: Duration = .seconds(1800)

    @Flag(inversion: .prefixedNo, help: "Wake on database notifications of new work.")
    var listen = true

    @Option(
        name: .customLong("http-allow"),
        help: ArgumentHelp(
            "Hosts http tasks may call, comma-separated: host, host:port or *.domain (env: \(httpAllowVariable); default: none).",
            valueName: "hosts"))
    var httpAllow: String?

    @Flag(help: "Apply pending migrations before starting.")
    var migrate = false

    @Option(help: ArgumentHelp("This worker's id in leases and stats (default: host-pid-random).", valueName: "id"))
    var workerID: String?

    @Flag(
        inversion: .prefixedNo,
        help: "Run the maintenance services (rescue, promotion, pruning) when elected leader.")
    var maintenance = true

    @Option(
        help: ArgumentHelp(
            "How often the leader rescues tasks whose lease expired (default: 5s).", valueName: "seconds"),
        transform: { try ArgumentParsers.duration($0, defaultUnit: .seconds) })
    var rescueInterval: Duration = .seconds(5)

    @Option(
        help: ArgumentHelp(
            "How often the leader makes due scheduled and retryable tasks available (default: 1s).",
            valueName: "seconds"),
        transform: { try ArgumentParsers.duration($0, defaultUnit: .seconds) })
    var promoteInterval: Duration = .seconds(1)

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var artifactOptions: ArtifactOptions
    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        guard concurrency >= 1 else { throw ValidationError("--concurrency must be at least 1") }
        guard leaseDuration >= .seconds(1) else { throw ValidationError("--lease-duration must be at least 1s") }
        guard shutdownDeadline >= .zero else { throw ValidationError("--shutdown-deadline must not be negative") }
        guard pollInterval >= .milliseconds(10) else { throw ValidationError("--poll-interval must be at least 10ms") }
        guard taskTimeout > .zero else { throw ValidationError("--task-timeout must be more than 0") }
        guard rescueInterval > .zero, promoteInterval > .zero else {
            throw ValidationError("--rescue-interval and --promote-interval must be more than 0")
        }
        _ = try workerConfiguration()
        _ = try HostAllowList(allowedHosts)
    }

    func run() async throws {
        let logger = logging.logger("conveyor", defaultLevel: .info)
        var configuration = try workerConfiguration()
        configuration.artifactStore = try artifactOptions.store()
        let allowList = try HostAllowList(allowedHosts)
        let capacity = configuration.queues.reduce(0) { $0 + $1.concurrency }
        let opened = try await database.open(logger: logger, maximumConnections: configuration.queues.count + 10)

        let httpClient = HTTPTaskConfiguration.makeClient()
        do {
            var registry = TaskRegistry()
            BuiltinTasks.register(
                in: &registry, http: try HTTPTaskConfiguration(allowedHosts: allowList.rawEntries, client: httpClient))
            let worker = try Worker(
                client: opened.client, registry: registry, configuration: configuration, logger: logger)
            let migrate = migrate
            let prepared = PreparedService(
                prepare: {
                    if migrate { try await opened.client.migrate() }
                    try await opened.requireMigrated()
                },
                service: worker
            )
            logger.info(
                "starting worker",
                metadata: [
                    "database": "\(opened.location)", "capacity": "\(capacity)",
                    "http_allow": "\(allowList.isEmpty ? "(none)" : allowList.description)",
                ])
            var groupConfiguration = ServiceGroupConfiguration(
                services: opened.services + [prepared], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
            // A bound on shutdown even if something hangs: the worker's own deadline plus a margin.
            groupConfiguration.maximumGracefulShutdownDuration = shutdownDeadline + .seconds(30)
            try await ServiceGroup(configuration: groupConfiguration).run()
        } catch {
            try? await httpClient.shutdown()
            throw error
        }
        try await httpClient.shutdown()
    }

    /// The hosts from `--http-allow`, or the environment.
    var allowedHosts: [String] {
        let text = httpAllow ?? ProcessInfo.processInfo.environment[Self.httpAllowVariable] ?? ""
        return ArgumentParsers.list(text)
    }

    func workerConfiguration() throws -> WorkerConfiguration {
        var queueConfigurations: [QueueConfiguration] = []
        for entry in ArgumentParsers.list(queues) {
            let parts = entry.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count <= 2, let name = parts.first.map(String.init), !name.isEmpty else {
                throw ValidationError("--queues entry '\(entry)' is not a queue name or name:concurrency")
            }
            var queueConcurrency = concurrency
            if parts.count == 2 {
                guard let value = Int(parts[1]), value >= 1 else {
                    throw ValidationError("--queues entry '\(entry)' needs a concurrency of at least 1 after ':'")
                }
                queueConcurrency = value
            }
            queueConfigurations.append(QueueConfiguration(name, concurrency: queueConcurrency, timeout: taskTimeout))
        }
        var configuration = WorkerConfiguration(
            queues: queueConfigurations,
            leaseDuration: leaseDuration,
            pollInterval: pollInterval,
            listen: listen,
            shutdownDeadline: shutdownDeadline,
            maintenance: maintenance
                ? MaintenanceConfiguration(rescueInterval: rescueInterval, promoteInterval: promoteInterval) : nil
        )
        if let workerID { configuration.workerID = workerID }
        do {
            try configuration.validate()
        } catch let error as ConveyorError {
            throw ValidationError(error.description)
        }
        return configuration
    }
}
