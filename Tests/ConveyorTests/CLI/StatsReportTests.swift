import Conveyor
import Foundation
import Testing

@testable import ConveyorCommand

@Suite("Stats report", .boundedParallelism, .timeLimit(.minutes(10)))
struct StatsReportTests {
    static let now = Date(timeIntervalSince1970: 2_000_000_000)

    static func worker(_ id: String, queues: [String], heartbeatAgo seconds: Double) -> WorkerInfo {
        WorkerInfo(
            id: id, host: "h", pid: 1, queues: queues, capacity: 10, startedAt: now.addingTimeInterval(-3600),
            lastHeartbeatAt: now.addingTimeInterval(-seconds))
    }

    @Test("a worker whose heartbeat is older than three default intervals does not count as live")
    func staleWorkerLeavesQueueUnattended() {
        let report = StatsReport(
            queues: [
                QueueStats(queue: "email", available: 3), QueueStats(queue: "pdf", retryable: 1),
                QueueStats(queue: "idle", completedToday: 5),
            ],
            workers: [
                Self.worker("fresh", queues: ["pdf"], heartbeatAgo: 2),
                Self.worker("stale", queues: ["email"], heartbeatAgo: 31),
            ],
            now: Self.now)
        #expect(StatsReport.liveWorkerThreshold == .seconds(30))
        #expect(report.workers.map(\.live) == [true, false])
        #expect(report.queues.map(\.queue) == ["email", "idle", "pdf"])
        #expect(report.queues.map(\.unattended) == [true, false, false])
        #expect(report.text().contains("warning: queue 'email' has 3 waiting tasks and no live worker"))
        #expect(report.text().contains("31s ago (not live)"))
    }

    @Test("queues served by a live worker are listed even when they hold no tasks")
    func listsServedQueues() {
        let report = StatsReport(
            queues: [], workers: [Self.worker("w", queues: ["new"], heartbeatAgo: 0)], now: Self.now)
        #expect(report.queues.map(\.queue) == ["new"])
        #expect(report.queues.map(\.liveWorkers) == [1])
    }
}
