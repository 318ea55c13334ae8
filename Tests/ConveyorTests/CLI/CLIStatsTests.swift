import Conveyor
import ConveyorTesting
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `conveyor stats` against a real database and a real worker process.
@Suite("CLI stats", .boundedParallelism, .timeLimit(.minutes(10)))
struct CLIStatsTests {
    /// The parts of `stats --json` the tests read.
    struct Shown: Decodable {
        struct Queue: Decodable {
            var queue: String
            var available: Int
            var liveWorkers: Int
            var unattended: Bool
        }
        struct Worker: Decodable {
            var id: String
            var queues: [String]
            var live: Bool
        }
        var queues: [Queue]
        var workers: [Worker]
    }

    @Test("stats counts per queue, lists live workers and flags a queue with work and no live worker")
    func flagsUnattendedQueue() async throws {
        try await CLIDatabase.with { database, client in
            let worker = try CLIProcess(
                ["work", "--migrate", "--queues", "served", "--worker-id", "stats-test-worker"]
                    + CLIWorkTests.fast + database.arguments)
            defer { worker.killIfRunning() }
            try await waitUntil("the worker is registered") {
                (try? await client.workers().isEmpty == false) ?? false
            }
            try await client.enqueueMany([
                NewTask(kind: "sleep", queue: "orphan"), NewTask(kind: "sleep", queue: "orphan"),
            ])

            let text = try await CLIProcess.run(["stats"] + database.arguments)
            #expect(text.succeeded, "\(text)")
            #expect(
                text.stdout.contains(
                    "warning: queue 'orphan' has 2 waiting tasks and no live worker"),
                "\(text)")
            #expect(text.stdout.contains("conveyor work --queues orphan"), "\(text)")
            #expect(!text.stdout.contains("queue 'served'"), "\(text)")
            #expect(text.stdout.contains("stats-test-worker"), "\(text)")

            let json = try await CLIProcess.run(["stats", "--json"] + database.arguments)
            let shown = try JSONDecoder().decode(Shown.self, from: Data(json.stdout.utf8))
            let orphan = try #require(shown.queues.first { $0.queue == "orphan" })
            #expect(orphan.available == 2)
            #expect(orphan.unattended)
            #expect(orphan.liveWorkers == 0)
            let served = try #require(shown.queues.first { $0.queue == "served" }, "\(json)")
            #expect(!served.unattended)
            #expect(served.liveWorkers == 1)
            #expect(shown.workers.map(\.id) == ["stats-test-worker"])
            #expect(shown.workers.map(\.live) == [true])

            worker.signal(SIGTERM)
            #expect(try await worker.waitForExit().succeeded)
        }
    }
}
