public import Foundation

/// Counts for one queue, as `conveyor stats` and `/v1/stats` show them.
public struct QueueStats: Sendable, Hashable, Codable {
    public var queue: String
    public var available: Int
    public var scheduled: Int
    /// Waiting for dependencies of their job to complete.
    public var blocked: Int = 0
    public var running: Int
    public var retryable: Int
    public var completedToday: Int
    public var failedToday: Int
    /// Running tasks whose lease has expired: their worker is gone and the rescuer has not yet run.
    public var expiredLeases: Int
    /// Discarded tasks kept as dead letters, whenever they failed (until pruned).
    public var deadLetters: Int = 0

    public init(
        queue: String, available: Int = 0, scheduled: Int = 0, running: Int = 0, retryable: Int = 0,
        completedToday: Int = 0, failedToday: Int = 0, expiredLeases: Int = 0
    ) {
        self.queue = queue
        self.available = available
        self.scheduled = scheduled
        self.running = running
        self.retryable = retryable
        self.completedToday = completedToday
        self.failedToday = failedToday
        self.expiredLeases = expiredLeases
    }
}

extension QueueStats {
    /// Builds per-queue stats from `(queue, state, count)` rows, as both drivers' stats queries
    /// return them; the state `expired` counts running tasks whose lease has expired.
    package static func fromCounts(_ rows: some Sequence<(queue: String, state: String, count: Int)>) -> [QueueStats] {
        var stats: [String: QueueStats] = [:]
        for row in rows {
            var entry = stats[row.queue] ?? QueueStats(queue: row.queue)
            switch row.state {
            case "available": entry.available += row.count
            case "scheduled": entry.scheduled += row.count
            case "blocked": entry.blocked += row.count
            case "running": entry.running += row.count
            case "retryable": entry.retryable += row.count
            case "completed": entry.completedToday += row.count
            case "discarded", "cancelled": entry.failedToday += row.count
            case "expired": entry.expiredLeases += row.count
            case "dead": entry.deadLetters += row.count
            default: break
            }
            stats[row.queue] = entry
        }
        return stats.values.sorted { $0.queue < $1.queue }
    }
}

/// A worker process as registered, with its last heartbeat.
public struct WorkerInfo: Sendable, Hashable, Codable {
    public var id: String
    public var host: String
    public var pid: Int
    public var queues: [String]
    public var capacity: Int
    public var startedAt: Date
    public var lastHeartbeatAt: Date

    public init(
        id: String, host: String, pid: Int, queues: [String], capacity: Int, startedAt: Date,
        lastHeartbeatAt: Date
    ) {
        self.id = id
        self.host = host
        self.pid = pid
        self.queues = queues
        self.capacity = capacity
        self.startedAt = startedAt
        self.lastHeartbeatAt = lastHeartbeatAt
    }
}
