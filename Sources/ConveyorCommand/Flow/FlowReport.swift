import Conveyor
import Foundation

/// How `conveyor queues` and `conveyor resources` show settings: limits in force now (a peak
/// window applied), next to what runs and waits.
enum FlowReport {
    static func queues(_ settings: [QueueSettings], stats: [QueueStats], now: Date) -> String {
        let byName = Dictionary(uniqueKeysWithValues: settings.map { ($0.name, $0) })
        let counts = Dictionary(uniqueKeysWithValues: stats.map { ($0.queue, $0) })
        let names = Set(byName.keys).union(counts.keys).sorted()
        guard !names.isEmpty else {
            return "no queues yet: 'conveyor queues set NAME --concurrency N' configures one\n"
        }
        var table = TextTable([
            "QUEUE", "STATE", "CONCURRENCY", "RATE", "FAIR SHARE", "TIMEOUT", "MAX ATTEMPTS", "PEAK", "RUNNING",
            "WAITING",
        ])
        for name in names {
            let queue = byName[name]
            let stats = counts[name] ?? QueueStats(queue: name)
            table.add([
                name, queue?.paused == true ? "paused" : "active",
                concurrency(queue?.concurrencyLimit, now: queue?.concurrencyLimit(at: now)),
                queue?.rateLimit?.description ?? "-", queue?.fairShare == true ? "yes" : "no",
                queue?.timeout.map { TimeText.span($0.seconds) } ?? "-",
                queue?.maxAttempts.map { "\($0)" } ?? "-", queue?.peak?.description ?? "-",
                "\(stats.running)", "\(stats.available + stats.retryable)",
            ])
        }
        return table.render()
    }

    static func resources(_ settings: [ResourceSettings], usage: [String: Int], now: Date) -> String {
        let byName = Dictionary(uniqueKeysWithValues: settings.map { ($0.name, $0) })
        let names = Set(byName.keys).union(usage.keys).sorted()
        guard !names.isEmpty else {
            return "no resources yet: 'conveyor resources set NAME --concurrency N' configures one\n"
        }
        var table = TextTable(["RESOURCE", "CONCURRENCY", "RATE", "PEAK", "RUNNING"])
        for name in names {
            let resource = byName[name]
            table.add([
                name, concurrency(resource?.concurrencyLimit, now: resource?.concurrencyLimit(at: now)),
                resource?.rateLimit?.description ?? "-", resource?.peak?.description ?? "-",
                "\(usage[name] ?? 0)",
            ])
        }
        return table.render()
    }

    /// `10`, or `15 (peak, base 10)` inside a peak window, or `-` for none.
    static func concurrency(_ base: Int?, now: Int?) -> String {
        guard let base else { return "-" }
        guard let now, now != base else { return "\(base)" }
        return "\(now) (peak, base \(base))"
    }

    /// One line saying what a queue's settings are now.
    static func describe(_ queue: QueueSettings, now: Date) -> String {
        var parts = ["queue \(queue.name):"]
        if queue.paused { parts.append("paused;") }
        parts.append("concurrency \(concurrency(queue.concurrencyLimit, now: queue.concurrencyLimit(at: now)))")
        parts.append("rate \(queue.rateLimit?.description ?? "-")")
        parts.append("fair share \(queue.fairShare ? "yes" : "no")")
        parts.append("timeout \(queue.timeout.map { TimeText.span($0.seconds) } ?? "-")")
        parts.append("max attempts \(queue.maxAttempts.map { "\($0)" } ?? "-")")
        parts.append("peak \(queue.peak?.description ?? "-")")
        return parts.joined(separator: " ")
    }

    /// One line saying what a resource's settings are now.
    static func describe(_ resource: ResourceSettings, now: Date) -> String {
        "resource \(resource.name): concurrency "
            + concurrency(resource.concurrencyLimit, now: resource.concurrencyLimit(at: now))
            + " rate \(resource.rateLimit?.description ?? "-") peak \(resource.peak?.description ?? "-")"
    }
}
