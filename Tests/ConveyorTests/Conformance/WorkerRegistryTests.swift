import Conveyor
import ConveyorTesting
import Foundation
import Testing

@Suite("Worker registry and heartbeats", .boundedParallelism, .timeLimit(.minutes(10)))
struct WorkerRegistryTests {
    @Test("a heartbeat registers the worker and extends only the leases it still holds", arguments: TestDriver.allCases)
    func heartbeat(driver: TestDriver) async throws {
        try await driver.withDatabase { client in
            let d = client.driver
            let queue = "heartbeat"
            let ids = try await client.enqueueMany([NewTask(kind: "k", queue: queue), NewTask(kind: "k", queue: queue)])
                .map { $0.taskIDs[0] }
            let mine = try #require(
                try await d.taskClaim(.init(queue: queue, limit: 1, workerID: "w1", leaseDuration: .seconds(5))).first)
            let theirs = try #require(
                try await d.taskClaim(.init(queue: queue, limit: 1, workerID: "w2", leaseDuration: .seconds(5))).first)
            #expect([mine.id, theirs.id] == ids)
            let started = Date(timeIntervalSince1970: 1_700_000_000)
            let info = WorkerInfo(
                id: "w1", host: "box", pid: 42, queues: [queue, "other"], capacity: 3, startedAt: started,
                lastHeartbeatAt: Date())
            let held = try await d.workerHeartbeat(
                .init(worker: info, taskIDs: [mine.id, theirs.id, TaskID(987_654_321)], leaseDuration: .seconds(600)))
            #expect(held == [mine.id])
            #expect(try #require(try await client.task(mine.id)?.leaseExpiresAt) > Date().addingTimeInterval(500))
            #expect(try #require(try await client.task(theirs.id)?.leaseExpiresAt) < Date().addingTimeInterval(10))

            var workers = try await client.workers()
            #expect(workers.map(\.id) == ["w1"])
            let worker = try #require(workers.first)
            #expect(worker.host == "box")
            #expect(worker.pid == 42)
            #expect(worker.queues == [queue, "other"])
            #expect(worker.capacity == 3)
            #expect(abs(worker.startedAt.timeIntervalSince(started)) < 0.001)
            let firstBeat = worker.lastHeartbeatAt

            // A heartbeat with nothing held still counts.
            #expect(try await d.workerHeartbeat(.init(worker: info, taskIDs: [], leaseDuration: .seconds(600))).isEmpty)
            workers = try await client.workers()
            #expect(try #require(workers.first).lastHeartbeatAt >= firstBeat)

            try await d.workerUnregister("w1")
            #expect(try await client.workers().isEmpty)
        }
    }
}
