import Conveyor
import Foundation

/// What `conveyor stats` shows: counts per queue, each worker's heartbeat age, and the queues
/// with waiting work that no live worker serves.
///
/// That last flag exists because of a real failure: jobs sat queued for hours while no worker
/// process was running, and nothing said so.
struct StatsReport: Encodable {
    /// A worker whose heartbeat is older than this is taken for dead: three default heartbeat intervals.
    static let liveWorkerThreshold = WorkerConfiguration().heartbeatInterval * 3

    struct Queue: Encodable {
        var queue: String
        var available: Int
        var scheduled: Int
        var blocked: Int
        var running: Int
        var retryable: Int
        var completedToday: Int
        var failedToday: Int
        var expiredLeases: Int
        var liveWorkers: Int
        /// Tasks that could run now or soon: available, retryable, or held under an expired lease.
        var waiting: Int
        /// True when tasks wait and no live worker runs this queue.
        var unattended: Bool
    }

    struct Worker: Encodable {
        var id: String
        var host: String
        var pid: Int
        var queues: [String]
        var capacity: Int
        var startedAt: Date
        var lastHeartbeatAt: Date
        var heartbeatAgeSeconds: Double
        var live: Bool
    }

    var queues: [Queue]
    var workers: [Worker]
    var liveWorkerThresholdSeconds: Double

    init(queues stats: [QueueStats], workers infos: [WorkerInfo], now: Date) {
        let threshold = Self.liveWorkerThreshold.seconds
        workers = infos.map { info in
            let age = max(0, now.timeIntervalSince(info.lastHeartbeatAt))
            return Worker(
                id: info.id, host: info.host, pid: info.pid, queues: info.queues, capacity: info.capacity,
                startedAt: info.startedAt, lastHeartbeatAt: info.lastHeartbeatAt, heartbeatAgeSeconds: age,
                live: age <= threshold)
        }.sorted { $0.id < $1.id }
        let live = workers.filter(\.live)
        var byName = Dictionary(uniqueKeysWithValues: stats.map { ($0.queue, $0) })
        for name in live.flatMap(\.queues) where byName[name] == nil {
            byName[name] = QueueStats(queue: name)
        }
        queues = byName.values.sorted { $0.queue < $1.queue }.map { stats in
            let liveWorkers = live.count(where: { $0.queues.contains(stats.queue) })
            let waiting = stats.available + stats.retryable + stats.expiredLeases
            return Queue(
                queue: stats.queue, available: stats.available, scheduled: stats.scheduled, blocked: stats.blocked,
                running: stats.running,
                retryable: stats.retryable, completedToday: stats.completedToday, failedToday: stats.failedToday,
                expiredLeases: stats.expiredLeases, liveWorkers: liveWorkers, waiting: waiting,
                unattended: waiting > 0 && liveWorkers == 0)
        }
        liveWorkerThresholdSeconds = threshold
    }

    func text() -> String {
        var out = ""
        if queues.isEmpty {
            out += "no queues have tasks yet\n"
        } else {
            var table = TextTable([
                "QUEUE", "AVAILABLE", "SCHEDULED", "BLOCKED", "RUNNING", "RETRYABLE", "COMPLETED TODAY", "FAILED TODAY",
                "EXPIRED LEASES", "LIVE WORKERS",
            ])
            for queue in queues {
                table.add([
                    queue.queue, "\(queue.available)", "\(queue.scheduled)", "\(queue.blocked)",
                    "\(queue.running)", "\(queue.retryable)",
                    "\(queue.completedToday)", "\(queue.failedToday)", "\(queue.expiredLeases)",
                    "\(queue.liveWorkers)",
                ])
            }
            out += table.render()
        }
        out += "\n"
        if workers.isEmpty {
            out += "no workers are registered\n"
        } else {
            var table = TextTable(["WORKER", "HOST", "PID", "QUEUES", "CAPACITY", "LAST HEARTBEAT"])
            for worker in workers {
                let age = TimeText.span(worker.heartbeatAgeSeconds) + " ago" + (worker.live ? "" : " (not live)")
                table.add([
                    worker.id, worker.host, "\(worker.pid)", worker.queues.joined(separator: ","),
                    "\(worker.capacity)", age,
                ])
            }
            out += table.render()
        }
        for queue in queues where queue.unattended {
            out +=
                "\nwarning: queue '\(queue.queue)' has \(queue.waiting) waiting task\(queue.waiting == 1 ? "" : "s") and no live worker (no heartbeat in the last \(Int(liveWorkerThresholdSeconds))s); start one with: conveyor work --queues \(queue.queue)\n"
        }
        return out
    }
}
