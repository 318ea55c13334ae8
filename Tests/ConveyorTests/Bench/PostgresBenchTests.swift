import Conveyor
import ConveyorPostgres
import ConveyorTesting
import Foundation
import Testing

@testable import ConveyorCommand

@Suite("Bench support on PostgreSQL", .boundedParallelism, .timeLimit(.minutes(10)))
struct PostgresBenchTests {
    @Test("seeded rows are finished or in the future, and never count as work to drain")
    func seed() async throws {
        try await PostgresFixture.withSchema { client, driver in
            let database = PostgresBenchDatabase(driver: driver)
            try await database.seed(finished: 1_200, scheduled: 300, kind: BenchTask.seedKind, queue: BenchTask.queue)
            let seeded = try await database.drainRecord(kind: BenchTask.seedKind)
            #expect(seeded.total == 1_500)
            #expect(seeded.completed == 1_200)
            #expect(try await database.hasUnfinishedWork(queue: BenchTask.queue) == false)
            let stats = try #require(try await client.queueStats(since: .distantPast).first)
            #expect(stats.scheduled == 300)
            #expect(stats.completedToday == 1_200)

            // Ids reserved for the seed do not collide with tasks enqueued afterwards.
            let job = try await client.enqueue(BenchTask.make())
            #expect(try await client.task(job.taskIDs[0])?.state == .available)
            #expect(try await database.hasUnfinishedWork(queue: BenchTask.queue))
            try await database.settle()
        }
    }

    @Test("the drain record spans the first claim to the last completion, each task run once")
    func drainRecord() async throws {
        try await PostgresFixture.withSchema { client, driver in
            let database = PostgresBenchDatabase(driver: driver)
            try await client.enqueueMany(Array(repeating: BenchTask.make(), count: 50))
            let recorder = LatencyRecorder()
            try await client.enqueue(BenchTask.make(enqueuedAt: Date()))
            try await drain(
                client, registry: BenchTask.registry(recorder: recorder),
                configuration: WorkerConfiguration(queues: [QueueConfiguration(BenchTask.queue, concurrency: 8)]))
            let record = try await database.drainRecord(kind: BenchTask.kind)
            #expect(record.total == 51)
            #expect(record.completed == 51)
            #expect(record.maxAttempt == 1)
            let first = try #require(record.firstClaim)
            let last = try #require(record.lastCompletion)
            #expect(first <= last)
            #expect(try await database.hasUnfinishedWork(queue: BenchTask.queue) == false)
            #expect(recorder.microseconds.count == 1)
            #expect(recorder.microseconds.allSatisfy { $0 >= 0 })
        }
    }
}
