import Foundation

/// Settings of a worker process; every default is what production wants.
public struct WorkerConfiguration: Sendable {
    /// The queues to run, each with its concurrency.
    public var queues: [QueueConfiguration]
    /// Identifies this worker in leases, errors and `conveyor stats`.
    public var workerID: String
    /// How long a claimed task is held without a heartbeat before it may be rescued (default 30 s).
    public var leaseDuration: Duration
    /// How often leases are extended (default: a third of the lease).
    public var heartbeatInterval: Duration
    /// Fallback poll for work when no notification arrives (default 1 s, jittered by ±20%).
    public var pollInterval: Duration
    /// Listen for notifications of new work where the database has them (default true).
    public var listen: Bool
    /// On shutdown, how long running tasks may take to finish before they are released (default 30 s).
    public var shutdownDeadline: Duration
    /// How often handler timeouts are checked (default 100 ms).
    public var timeoutResolution: Duration
    /// Run the maintenance services when elected leader (default true).
    public var maintenance: MaintenanceConfiguration?
    /// How soon a queue held back by a limit (its own, or a resource's) looks again for room
    /// freed by other workers (default 100 ms, jittered by ±20%). Room freed by this worker's own
    /// tasks is claimed as soon as their outcomes are written, without waiting for this.
    public var flowPollInterval: Duration
    /// How often a queue's settings are re-read to choose between the fast and the limited claim
    /// (default 1 s). A limited claim reads limits in the claim itself, so a new limit applies at
    /// once to a limited queue, and within this interval to a queue that had none.
    public var flowRefreshInterval: Duration
    /// Under flow control, while a limit is full and a queue's tasks run shorter than this on
    /// average (default 1 s) but at least a millisecond, each running task reserves the next
    /// one, which starts the moment its handler returns: a freed place is taken with no claim in
    /// between, which matters when tasks are short. The reserved task waits for the whole of that
    /// run, and so would a more urgent task that arrives meanwhile, hence the threshold. Nil turns
    /// it off.
    public var flowHandOverBelow: Duration?
    /// How often the worker checks whether tasks it runs were cancelled (or taken away), to cancel
    /// their handlers (default 1 s). One read, only while tasks run.
    public var cancellationCheckInterval: Duration = .seconds(1)
    /// Where handlers' artifacts go (`context.writeArtifact`); nil means handlers cannot write any.
    public var artifactStore: (any ArtifactStore)? = nil
    /// The largest result a handler may return, in bytes of JSON (default 64 KiB); a larger one
    /// discards the task with a message to store it as an artifact instead.
    public var maxResultBytes: Int = 64 * 1024

    public init(
        queues: [QueueConfiguration] = [QueueConfiguration(TaskDefaults.queue)],
        workerID: String = WorkerConfiguration.defaultWorkerID(),
        leaseDuration: Duration = .seconds(30),
        heartbeatInterval: Duration? = nil,
        pollInterval: Duration = .seconds(1),
        listen: Bool = true,
        shutdownDeadline: Duration = .seconds(30),
        timeoutResolution: Duration = .milliseconds(100),
        maintenance: MaintenanceConfiguration? = MaintenanceConfiguration(),
        flowPollInterval: Duration = .milliseconds(100),
        flowRefreshInterval: Duration = .seconds(1),
        flowHandOverBelow: Duration? = .seconds(1)
    ) {
        self.queues = queues
        self.workerID = workerID
        self.leaseDuration = leaseDuration
        self.heartbeatInterval = heartbeatInterval ?? leaseDuration / 3
        self.pollInterval = pollInterval
        self.listen = listen
        self.shutdownDeadline = shutdownDeadline
        self.timeoutResolution = timeoutResolution
        self.maintenance = maintenance
        self.flowPollInterval = flowPollInterval
        self.flowRefreshInterval = flowRefreshInterval
        self.flowHandOverBelow = flowHandOverBelow
    }

    /// `host-pid-random`, unique per process.
    public static func defaultWorkerID() -> String {
        let host = ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init) ?? "host"
        let suffix = String(UInt32.random(in: 0...UInt32.max), radix: 36)
        return "\(host)-\(ProcessInfo.processInfo.processIdentifier)-\(suffix)"
    }

    /// Checks the settings, so a mistake is an error that says what to fix.
    public func validate() throws {
        guard !queues.isEmpty else {
            throw ConveyorError(.invalidConfiguration, "a worker needs at least one queue")
        }
        var seen = Set<String>()
        for queue in queues {
            guard !queue.name.isEmpty else { throw ConveyorError(.invalidConfiguration, "a queue needs a name") }
            guard seen.insert(queue.name).inserted else {
                throw ConveyorError(.invalidConfiguration, "queue '\(queue.name)' is listed twice")
            }
            guard queue.concurrency >= 1 else {
                throw ConveyorError(.invalidConfiguration, "queue '\(queue.name)' needs a concurrency of at least 1")
            }
        }
        guard flowPollInterval > .zero, flowRefreshInterval > .zero else {
            throw ConveyorError(.invalidConfiguration, "the flow poll and refresh intervals must be more than 0")
        }
        guard maxResultBytes >= 0 else {
            throw ConveyorError(.invalidConfiguration, "the maximum result size cannot be negative")
        }
        guard heartbeatInterval < leaseDuration else {
            throw ConveyorError(.invalidConfiguration, "the heartbeat interval must be shorter than the lease")
        }
    }
}
