import Foundation
public import Logging
public import ServiceLifecycle
import Synchronization

/// Runs tasks: a `Service` that claims from its queues, runs handlers, writes outcomes in
/// batches, keeps leases alive and, when elected, runs maintenance.
///
/// ```swift
/// var registry = TaskRegistry()
/// registry.register(SendEmail.self) { email, context in try await mailer.send(email) }
/// let worker = Worker(client: client, registry: registry,
///                     configuration: .init(queues: [.init("email", concurrency: 20)]))
/// try await ServiceGroup(services: [postgres, worker], gracefulShutdownSignals: [.sigterm], logger: logger).run()
/// ```
///
/// On graceful shutdown it stops claiming at once, lets running tasks finish within
/// ``WorkerConfiguration/shutdownDeadline``, releases the rest back to `available`, writes every
/// outcome and exits.
public final class Worker: Service, Sendable {
    public let configuration: WorkerConfiguration
    private let driver: any QueueDriver
    private let registry: TaskRegistry
    private let logger: Logger
    private let running = RunningTasks()
    private let completer: Completer
    private let producers: [String: Producer]
    private let leadership = Leadership()
    private let shuttingDown = Mutex(false)

    /// - Parameters:
    ///   - client: the database to work from.
    ///   - registry: the handlers this worker runs.
    ///   - configuration: queues, leases and timings.
    ///   - logger: every line carries the worker id; task lines carry task id, job id, queue and attempt.
    public init(
        client: ConveyorClient,
        registry: TaskRegistry,
        configuration: WorkerConfiguration = .init(),
        logger: Logger = Logger(label: "conveyor.worker")
    ) throws {
        try configuration.validate()
        var logger = logger
        logger[metadataKey: "worker_id"] = "\(configuration.workerID)"
        self.configuration = configuration
        self.driver = client.driver
        self.registry = registry
        self.logger = logger
        self.completer = Completer(driver: client.driver, running: running, configuration: .init(), logger: logger)
        // A returned handler gives its places back to every limit: producers held back by one look again.
        let listeners = CapacityListeners()
        let executor = TaskExecutor(
            registry: registry, driver: client.driver, running: running, workerID: configuration.workerID,
            logger: logger, maxResultBytes: configuration.maxResultBytes, artifactStore: configuration.artifactStore
        )
        var producers: [String: Producer] = [:]
        for queue in configuration.queues {
            producers[queue.name] = Producer(
                queue: queue, driver: client.driver, executor: executor, completer: completer, running: running,
                workerID: configuration.workerID, leaseDuration: configuration.leaseDuration,
                pollInterval: configuration.pollInterval, logger: logger,
                flowPollInterval: configuration.flowPollInterval,
                flowRefreshInterval: configuration.flowRefreshInterval,
                handOverBelow: configuration.flowHandOverBelow,
                onHandlerReturned: { listeners.capacityFreed() }
            )
        }
        self.producers = producers
        listeners.producers.withLock { $0 = Array(producers.values) }
    }

    /// Tasks held by this worker right now, running or waiting for their outcome to be written.
    public var heldCount: Int { running.count }

    /// Whether graceful shutdown has begun: no new task starts.
    package var isShuttingDown: Bool { shuttingDown.withLock { $0 } }

    /// Whether this worker currently runs the maintenance services.
    public var isLeader: Bool { leadership.isLeader }

    public func run() async throws {
        let info = WorkerInfo(
            id: configuration.workerID,
            host: ProcessInfo.processInfo.hostName,
            pid: Int(ProcessInfo.processInfo.processIdentifier),
            queues: configuration.queues.map(\.name),
            capacity: configuration.queues.reduce(0) { $0 + $1.concurrency },
            startedAt: Date(),
            lastHeartbeatAt: Date()
        )
        let heartbeater = Heartbeater(
            driver: driver, running: running, worker: info, leaseDuration: configuration.leaseDuration,
            interval: configuration.heartbeatInterval, logger: logger
        )
        try await heartbeater.runOnce()
        let elector = configuration.maintenance.map {
            LeaderElector(
                driver: driver, leaderID: configuration.workerID, ttl: $0.leaderTTL, leadership: leadership,
                logger: logger
            )
        }
        logger.info(
            "worker started",
            metadata: ["queues": "\(info.queues.joined(separator: ","))", "capacity": "\(info.capacity)"]
        )

        await withTaskGroup(of: Void.self) { background in
            background.addTask { await heartbeater.run() }
            background.addTask { await self.watchTimeouts() }
            background.addTask { await self.watchCancellations() }
            if configuration.listen {
                background.addTask { await self.listen() }
            }
            if let elector {
                self.startMaintenance(elector: elector, in: &background)
            }
            let completerDone = Task { await self.completer.run() }

            await withGracefulShutdownHandler {
                await withDiscardingTaskGroup { group in
                    for producer in producers.values {
                        group.addTask { await producer.run() }
                    }
                }
            } onGracefulShutdown: {
                self.beginShutdown()
            }

            completer.finish()
            await completerDone.value
            background.cancelAll()
        }

        await elector?.resign()
        do {
            try await driver.workerUnregister(configuration.workerID)
        } catch {
            logger.warning("unregistering the worker failed", metadata: ["error": "\(String(reflecting: error))"])
        }
        logger.info("worker stopped")
    }

    /// Stops claiming at once; releases whatever still runs when the deadline passes.
    private func beginShutdown() {
        shuttingDown.withLock { $0 = true }
        logger.info("shutting down", metadata: ["running": "\(running.activeCount)"])
        for producer in producers.values { producer.stop() }
        let running = running
        let deadline = configuration.shutdownDeadline
        // Unstructured on purpose: the deadline must fire while run() is blocked waiting for the
        // producers; it only cancels handlers and ends when they are done or it fires.
        Task {
            try? await Task.sleep(for: deadline)
            running.cancelAll(reason: .shutdown)
        }
    }

    private func watchTimeouts() async {
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: configuration.timeoutResolution)
            } catch {
                return
            }
            running.cancelOverdue()
        }
    }

    /// Cancels, within about a second, the handlers of tasks this worker no longer holds: a
    /// cancelled job's, or one rescued from under it. One read per interval, only while tasks run.
    private func watchCancellations() async {
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: configuration.cancellationCheckInterval)
            } catch {
                return
            }
            let ids = running.ids
            guard !ids.isEmpty else { continue }
            do {
                let unheld = try await driver.taskFindUnheld(.init(workerID: configuration.workerID, taskIDs: ids))
                let cancelled = unheld.filter { running.cancel($0, reason: .leaseLost) }
                if !cancelled.isEmpty {
                    logger.info(
                        "handlers cancelled: their tasks were cancelled or taken from this worker",
                        metadata: ["count": "\(cancelled.count)"])
                }
            } catch {
                if Task.isCancelled { return }
                logger.warning(
                    "checking for cancelled tasks failed", metadata: ["error": "\(String(reflecting: error))"])
            }
        }
    }

    private func listen() async {
        var delay = Duration.milliseconds(100)
        while !Task.isCancelled {
            do {
                // Cancelled (shutdown), the worker stops waiting for the listener at once: a listener
                // whose connection is killed under it may never end (a test that kills it once hung
                // for good in its worker's shutdown), and must not hold the worker's.
                try await untilCancelled { [driver, producers] in
                    try await driver.listenForWork { signal in
                        switch signal {
                        case .listening:
                            for producer in producers.values { producer.wake() }
                        case .work(let queue):
                            producers[queue]?.wake()
                        }
                    }
                }
                return
            } catch {
                if Task.isCancelled { return }
                logger.warning(
                    "listening for new work failed; polling meanwhile",
                    metadata: ["error": "\(String(reflecting: error))", "retry_in": "\(delay)"]
                )
            }
            // Wake every producer: notifications may have been lost while disconnected.
            for producer in producers.values { producer.wake() }
            try? await Task.sleep(for: delay)
            delay = min(delay * 2, .seconds(5))
        }
    }

    private func startMaintenance(elector: LeaderElector, in group: inout TaskGroup<Void>) {
        guard let maintenance = configuration.maintenance else { return }
        let rescuer = Rescuer(
            driver: driver, retryPolicy: maintenance.rescueRetryPolicy, interval: maintenance.rescueInterval
        )
        let scheduler = Scheduler(driver: driver, interval: maintenance.promoteInterval)
        let pruner = Pruner(
            driver: driver, interval: maintenance.pruneInterval, completedRetention: maintenance.completedRetention,
            discardedRetention: maintenance.discardedRetention
        )
        let leadership = leadership
        let logger = logger
        group.addTask { await elector.run() }
        group.addTask { await rescuer.run(leadership: leadership, logger: logger) }
        group.addTask { await scheduler.run(leadership: leadership, logger: logger) }
        group.addTask { await pruner.run(leadership: leadership, logger: logger) }
    }
}

/// The producers to tell when a handler returns (set once they exist).
private final class CapacityListeners: Sendable {
    let producers = Mutex<[Producer]>([])

    func capacityFreed() {
        for producer in producers.withLock({ $0 }) { producer.capacityFreed() }
    }
}
