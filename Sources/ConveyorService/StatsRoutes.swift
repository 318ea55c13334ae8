import Conveyor
import Foundation
import Hummingbird

/// `GET /v1/stats` (admin): per queue what waits, runs and finished today; the workers with their
/// last heartbeat; expired leases and dead letters.
struct StatsRoutes {
    let state: ServiceState

    /// A worker whose last heartbeat is older than this is shown as stale.
    static let staleAfter: TimeInterval = 60

    func register(on group: RouterGroup<ServiceRequestContext>) {
        group.get("stats") { _, context -> Response in
            let principal = try context.requirePrincipal()
            guard principal.isAdmin else {
                throw APIError(.forbidden, code: "forbidden", "the stats need an admin token")
            }
            let now = Date()
            let queues = try await state.client.queueStats(since: ConveyorClient.startOfTodayUTC(now: now))
            let workers = try await state.client.workers()
            let live = workers.filter { now.timeIntervalSince($0.lastHeartbeatAt) <= Self.staleAfter }
            let servedQueues = Set(live.flatMap(\.queues))
            return try JSONResponse.make(
                StatsResource(
                    queues: queues.map { queue in
                        QueueStatsResource(queue, hasLiveWorker: servedQueues.contains(queue.queue))
                    },
                    workers: workers.map {
                        WorkerResource($0, stale: now.timeIntervalSince($0.lastHeartbeatAt) > Self.staleAfter)
                    },
                    expiredLeases: queues.reduce(0) { $0 + $1.expiredLeases },
                    deadLetters: queues.reduce(0) { $0 + $1.deadLetters },
                    generatedAt: now
                ))
        }
    }
}

struct StatsResource: Encodable {
    var queues: [QueueStatsResource]
    var workers: [WorkerResource]
    var expiredLeases: Int
    var deadLetters: Int
    var generatedAt: Date

    enum CodingKeys: String, CodingKey {
        case queues, workers
        case expiredLeases = "expired_leases"
        case deadLetters = "dead_letters"
        case generatedAt = "generated_at"
    }
}

struct QueueStatsResource: Encodable {
    var queue: String
    var available: Int
    var scheduled: Int
    var blocked: Int
    var running: Int
    var retryable: Int
    var completedToday: Int
    var failedToday: Int
    var expiredLeases: Int
    var deadLetters: Int
    /// True when tasks wait to run and no live worker serves the queue: nothing will run them.
    var noLiveWorker: Bool

    enum CodingKeys: String, CodingKey {
        case queue, available, scheduled, blocked, running, retryable
        case completedToday = "completed_today"
        case failedToday = "failed_today"
        case expiredLeases = "expired_leases"
        case deadLetters = "dead_letters"
        case noLiveWorker = "no_live_worker"
    }

    init(_ stats: QueueStats, hasLiveWorker: Bool) {
        queue = stats.queue
        available = stats.available
        scheduled = stats.scheduled
        blocked = stats.blocked
        running = stats.running
        retryable = stats.retryable
        completedToday = stats.completedToday
        failedToday = stats.failedToday
        expiredLeases = stats.expiredLeases
        deadLetters = stats.deadLetters
        noLiveWorker = !hasLiveWorker && (stats.available + stats.retryable + stats.running) > 0
    }
}

struct WorkerResource: Encodable {
    var id: String
    var host: String
    var pid: Int
    var queues: [String]
    var capacity: Int
    var startedAt: Date
    var lastHeartbeatAt: Date
    /// No heartbeat for a minute: the worker is probably gone.
    var stale: Bool

    enum CodingKeys: String, CodingKey {
        case id, host, pid, queues, capacity, stale
        case startedAt = "started_at"
        case lastHeartbeatAt = "last_heartbeat_at"
    }

    init(_ worker: WorkerInfo, stale: Bool) {
        id = worker.id
        host = worker.host
        pid = worker.pid
        queues = worker.queues
        capacity = worker.capacity
        startedAt = worker.startedAt
        lastHeartbeatAt = worker.lastHeartbeatAt
        self.stale = stale
    }
}
