import Conveyor
import ConveyorSQLite
import ConveyorTesting
import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import Testing

@Suite("SQLite: many drivers on one file", .boundedParallelism, .timeLimit(.minutes(10)))
struct SQLiteSharedFileTests {
    @Test("two workers, each with its own driver on one file, run 5,000 tasks exactly once")
    func twoDriversExactlyOnce() async throws {
        try await SQLiteFixture.withDatabase { client, _, path in
            let count = 5_000
            let log = ExecutionLog()
            let tasks = (0..<count).map { _ in Scripted(action: .succeed) }
            let enqueued = try await client.enqueueMany(tasks)
            #expect(enqueued.count == count)

            let first = try SQLiteDriver(path: path, logger: .test())
            let second = try SQLiteDriver(path: path, logger: .test())
            let workers = try [first, second].map { driver in
                try Worker(
                    client: ConveyorClient(driver), registry: .scripted(log: log),
                    configuration: .fast(queues: [QueueConfiguration(Scripted.queue, concurrency: 20)]),
                    logger: .test()
                )
            }
            let group = ServiceGroup(services: workers, logger: .test())
            try await withThrowingTaskGroup(of: Void.self) { running in
                running.addTask { try await group.run() }
                try await waitUntil("all tasks completed", timeout: .seconds(120), every: .milliseconds(100)) {
                    let stats = try await client.queueStats(since: Date().addingTimeInterval(-3600))
                    return stats.first { $0.queue == Scripted.queue }?.completedToday == count
                }
                await group.triggerGracefulShutdown()
                try await running.waitForAll()
            }
            await first.close()
            await second.close()

            #expect(log.total == count)
            #expect(log.distinct == count)
            #expect(log.duplicates.isEmpty)
            #expect(Set(enqueued.map(\.taskIDs[0])).allSatisfy { log.count($0) == 1 })
        }
    }

    @Test("many drivers migrating one new file at once all succeed")
    func concurrentMigrations() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("conveyor-mig-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let path = root.appendingPathComponent("conveyor.db").path
        let drivers = try (0..<4).map { _ in try SQLiteDriver(path: path, logger: .test()) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for driver in drivers {
                group.addTask { try await ConveyorClient(driver).migrate() }
            }
            try await group.waitForAll()
        }
        for driver in drivers {
            #expect(try await driver.appliedMigrations() == SQLiteDriver.migrationVersions)
            await driver.close()
        }
    }

    @Test("an enqueue through one driver wakes the listeners of every driver on the same file in this process")
    func wakeUpsAcrossDrivers() async throws {
        try await SQLiteFixture.withDatabase { client, _, path in
            let other = try SQLiteDriver(path: path, logger: .test())
            let heard = HeardQueues()
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    try await other.listenForWork { signal in
                        switch signal {
                        case .listening: heard.append("(listening)")
                        case .work(let queue): heard.append(queue)
                        }
                    }
                }
                try await waitUntil("the listener is registered") { heard.queues.contains("(listening)") }
                try await client.enqueue(NewTask(kind: "k", queue: "wake"))
                try await waitUntil("the listener heard the enqueue") { heard.queues.contains("wake") }
                // A scheduled task's queue is announced when it is promoted.
                let at = Date().addingTimeInterval(60)
                try await client.enqueue(NewTask(kind: "k", queue: "later", runAt: at))
                #expect(try await client.driver.taskPromoteDue(.init(now: at.addingTimeInterval(1), limit: 10)) == 1)
                try await waitUntil("the promotion was heard") { heard.queues.contains("later") }
                group.cancelAll()
            }
            await other.close()
        }
    }

    @Test("a closed driver says so; one never closed releases its connections when it goes away")
    func closed() async throws {
        try await SQLiteFixture.withDatabase { _, _, path in
            do {
                // Debug builds of sqlite-nio assert that a connection is closed before it is freed.
                let forgotten = try SQLiteDriver(path: path, logger: .test())
                try await ConveyorClient(forgotten).enqueue(NewTask(kind: "k"))
                _ = try await ConveyorClient(forgotten).queueStats()
            }
            let driver = try SQLiteDriver(path: path, logger: .test())
            let client = ConveyorClient(driver)
            try await client.enqueue(NewTask(kind: "k"))
            await driver.close()
            await #expect {
                try await client.enqueue(NewTask(kind: "k"))
            } throws: { error in
                (error as? ConveyorError)?.message.contains("was closed") == true
            }
        }
    }
}

/// The queues a listener was told about.
private final class HeardQueues: Sendable {
    private let names = Mutex<[String]>([])
    func append(_ queue: String) { names.withLock { $0.append(queue) } }
    var queues: [String] { names.withLock { $0 } }
}
