import Conveyor
import ConveyorTesting
import Foundation
import Testing

/// The limited claim, driven directly: what it admits under each kind of limit, deterministically.
@Suite("Flow control claims", .boundedParallelism, .timeLimit(.minutes(10)))
struct FlowClaimTests {
    static func claim(
        _ client: ConveyorClient, _ queue: String, limit: Int = 50, now: Date? = nil
    ) async throws -> TaskClaimLimitedResult {
        try await client.driver.taskClaimLimited(
            .init(queue: queue, limit: limit, workerID: "w", leaseDuration: .seconds(60), now: now))
    }

    static func complete(_ client: ConveyorClient, _ tasks: [ClaimedTask]) async throws {
        let written = try await client.driver.taskCompleteMany(
            .init(completions: tasks.map { .init(id: $0.id, attempt: $0.attempt, outcome: .completed(result: nil)) }))
        #expect(written.count == tasks.count)
    }

    @Test(
        "the fast claim leaves limited, fair-share and paused queues and tasks that use resources alone",
        arguments: TestDriver.allCases)
    func fastClaimStaysAway(driver: TestDriver) async throws {
        try await driver.withDatabase { client in
            let plain = TaskClaimParams(queue: "mixed", limit: 10, workerID: "w", leaseDuration: .seconds(30))
            let withResource = try await client.enqueue(NewTask(kind: "k", queue: "mixed", resources: ["r"]))
            let without = try await client.enqueue(NewTask(kind: "k", queue: "mixed"))
            #expect(try await client.driver.taskClaim(plain).map(\.id) == without.taskIDs)
            #expect(try await client.task(withResource.taskIDs[0])?.state == .available)

            for (name, settings) in [
                ("limited", QueueSettings("limited", concurrencyLimit: 100)),
                ("rated", QueueSettings("rated", rateLimit: RateLimit(100, per: .seconds(1)))),
                ("fair", QueueSettings("fair", fairShare: true)),
                ("paused", QueueSettings("paused", paused: true)),
            ] {
                try await client.setQueue(settings)
                try await client.enqueue(NewTask(kind: "k", queue: name))
                var params = plain
                params.queue = name
                #expect(try await client.driver.taskClaim(params).isEmpty, "\(name)")
                #expect(try await client.driver.queueFlowGet(name).isLimited, "\(name)")
                let limited = try await Self.claim(client, name)
                #expect(limited.tasks.count == (name == "paused" ? 0 : 1), "\(name)")
                #expect(limited.paused == (name == "paused"))
            }
            // A queue whose settings impose nothing (a timeout, say) keeps the fast path.
            try await client.setQueue(QueueSettings("timed", timeout: .seconds(5)))
            try await client.enqueue(NewTask(kind: "k", queue: "timed"))
            #expect(!(try await client.driver.queueFlowGet("timed").isLimited))
            var params = plain
            params.queue = "timed"
            #expect(try await client.driver.taskClaim(params).count == 1)
        }
    }

    @Test("a queue's concurrency limit counts every running task of the queue", arguments: TestDriver.allCases)
    func queueConcurrency(driver: TestDriver) async throws {
        try await driver.withDatabase { client in
            try await client.enqueueMany((0..<10).map { _ in NewTask(kind: "k", queue: "render") })
            // Two run before the limit exists (the fast path): they count against it.
            let early = try await client.driver.taskClaim(
                .init(queue: "render", limit: 2, workerID: "w0", leaseDuration: .seconds(60)))
            try await client.setQueue(QueueSettings("render", concurrencyLimit: 3))
            var result = try await Self.claim(client, "render")
            #expect(result.tasks.count == 1)
            #expect(result.heldBack)
            result = try await Self.claim(client, "render")
            #expect(result.tasks.isEmpty)
            #expect(result.heldBack)
            try await Self.complete(client, early)
            result = try await Self.claim(client, "render", limit: 1)
            #expect(result.tasks.count == 1)
            #expect(!result.heldBack, "a full claim was not held back")
            result = try await Self.claim(client, "render")
            #expect(result.tasks.count == 1)
            #expect(result.heldBack)
            try await client.setQueue(QueueSettings("render", concurrencyLimit: 0))
            #expect(try await Self.claim(client, "render").tasks.isEmpty)
            try await client.setQueue(QueueSettings("render", concurrencyLimit: 100))
            result = try await Self.claim(client, "render")
            #expect(result.tasks.count == 5)
            #expect(!result.heldBack, "a drained queue is not held back")
        }
    }

    @Test("a resource's limit holds across the queues that share it", arguments: TestDriver.allCases)
    func sharedResource(driver: TestDriver) async throws {
        try await driver.withDatabase { client in
            try await client.setResource(ResourceSettings("tts", concurrencyLimit: 2))
            try await client.enqueueMany((0..<5).map { _ in NewTask(kind: "k", queue: "a", resources: ["tts"]) })
            try await client.enqueueMany((0..<5).map { _ in NewTask(kind: "k", queue: "b", resources: ["tts"]) })
            let a = try await Self.claim(client, "a")
            #expect(a.tasks.count == 2)
            #expect(a.heldBack)
            var b = try await Self.claim(client, "b")
            #expect(b.tasks.isEmpty)
            #expect(b.heldBack)
            try await Self.complete(client, [a.tasks[0]])
            b = try await Self.claim(client, "b")
            #expect(b.tasks.count == 1)
            #expect(try await client.resourceUsage() == ["tts": 2])
            // Removing the resource's settings lifts its limit.
            try await client.removeResource("tts")
            #expect(try await Self.claim(client, "a").tasks.count == 3)
        }
    }

    @Test("a claim looks past tasks whose resource is full and starts the others", arguments: TestDriver.allCases)
    func looksPastFullResources(driver: TestDriver) async throws {
        try await driver.withDatabase { client in
            try await client.setResource(ResourceSettings("gpu", concurrencyLimit: 1))
            let tasks = try await client.enqueueMany([
                NewTask(kind: "k", queue: "q", resources: ["gpu"]),
                NewTask(kind: "k", queue: "q", resources: ["gpu"]),
                NewTask(kind: "k", queue: "q", resources: ["gpu", "unconfigured"]),
                NewTask(kind: "k", queue: "q"),
                NewTask(kind: "k", queue: "q", resources: ["unconfigured"]),
            ]).map { $0.taskIDs[0] }
            let result = try await Self.claim(client, "q")
            #expect(result.tasks.map(\.id) == [tasks[0], tasks[3], tasks[4]])
            #expect(result.heldBack)
        }
    }

    @Test("a task that uses two resources starts only when both have room", arguments: TestDriver.allCases)
    func everyResourceMustHaveRoom(driver: TestDriver) async throws {
        try await driver.withDatabase { client in
            try await client.setResource(ResourceSettings("x", concurrencyLimit: 1))
            try await client.setResource(ResourceSettings("y", concurrencyLimit: 5))
            try await client.enqueue(NewTask(kind: "k", queue: "one", resources: ["x"]))
            let both = try await client.enqueue(NewTask(kind: "k", queue: "two", resources: ["x", "y"]))
            #expect(try await Self.claim(client, "one").tasks.count == 1)
            let held = try await Self.claim(client, "two")
            #expect(held.tasks.isEmpty)
            #expect(held.heldBack)
            try await client.setResource(ResourceSettings("x", concurrencyLimit: 2))
            #expect(try await Self.claim(client, "two").tasks.map(\.id) == both.taskIDs)
            #expect(try await client.resourceUsage() == ["x": 2, "y": 1])
        }
    }

    @Test(
        "a rate limit counts recorded starts in a sliding window and says when it reopens",
        arguments: TestDriver.allCases)
    func rateLimit(driver: TestDriver) async throws {
        try await driver.withDatabase { client in
            let start = Date().addingTimeInterval(-3600)
            try await client.setQueue(QueueSettings("rated", rateLimit: RateLimit(5, per: .seconds(1))))
            try await client.enqueueMany((0..<20).map { _ in NewTask(kind: "k", queue: "rated") })
            var result = try await Self.claim(client, "rated", now: start)
            #expect(result.tasks.count == 5)
            #expect(result.heldBack)
            let reopens = try #require(result.retryAt)
            #expect(abs(reopens.timeIntervalSince(start.addingTimeInterval(1))) < 0.01)
            // Finishing does not give starts back.
            try await Self.complete(client, result.tasks)
            result = try await Self.claim(client, "rated", now: start.addingTimeInterval(0.5))
            #expect(result.tasks.isEmpty)
            #expect(result.heldBack)
            result = try await Self.claim(client, "rated", limit: 2, now: start.addingTimeInterval(1.2))
            #expect(result.tasks.count == 2)
            // The window slides: at 1.5 s the starts at 0 s have left it, the two at 1.2 s have not.
            result = try await Self.claim(client, "rated", now: start.addingTimeInterval(1.5))
            #expect(result.tasks.count == 3)
            #expect(try await Self.claim(client, "rated", now: start.addingTimeInterval(2.1)).tasks.isEmpty)
            #expect(try await Self.claim(client, "rated", now: start.addingTimeInterval(2.3)).tasks.count == 2)
            #expect(try await Self.claim(client, "rated", now: start.addingTimeInterval(2.6)).tasks.count == 3)
        }
    }

    @Test("a resource's rate limit is shared by its queues", arguments: TestDriver.allCases)
    func resourceRateLimit(driver: TestDriver) async throws {
        try await driver.withDatabase { client in
            let start = Date().addingTimeInterval(-3600)
            try await client.setResource(ResourceSettings("api", rateLimit: RateLimit(3, per: .seconds(60))))
            try await client.enqueueMany((0..<4).map { _ in NewTask(kind: "k", queue: "a", resources: ["api"]) })
            try await client.enqueueMany((0..<4).map { _ in NewTask(kind: "k", queue: "b", resources: ["api"]) })
            #expect(try await Self.claim(client, "a", limit: 2, now: start).tasks.count == 2)
            let b = try await Self.claim(client, "b", now: start.addingTimeInterval(10))
            #expect(b.tasks.count == 1)
            #expect(b.heldBack)
            #expect(abs(try #require(b.retryAt).timeIntervalSince(start.addingTimeInterval(60))) < 0.01)
            #expect(try await Self.claim(client, "a", now: start.addingTimeInterval(59)).tasks.isEmpty)
            #expect(try await Self.claim(client, "a", now: start.addingTimeInterval(60.5)).tasks.count == 2)
        }
    }

    @Test("fair share takes owners round-robin; without it, first in first out", arguments: TestDriver.allCases)
    func fairShare(driver: TestDriver) async throws {
        try await driver.withDatabase { client in
            for queue in ["fair", "fifo"] {
                let a = try await client.enqueueMany(
                    (0..<20).map { _ in NewTask(kind: "k", queue: queue) }, owner: "a"
                ).map { $0.taskIDs[0] }
                let b = try await client.enqueueMany(
                    (0..<3).map { _ in NewTask(kind: "k", queue: queue) }, owner: "b"
                ).map { $0.taskIDs[0] }
                let unowned = try await client.enqueueMany((0..<2).map { _ in NewTask(kind: "k", queue: queue) })
                    .map { $0.taskIDs[0] }
                let c = try await client.enqueueMany(
                    [NewTask(kind: "k", queue: queue)], owner: "c"
                ).map { $0.taskIDs[0] }
                try await client.setQueue(QueueSettings(queue, concurrencyLimit: 100, fairShare: queue == "fair"))
                let claimed = try await Self.claim(client, queue, limit: 10).tasks.map(\.id)
                if queue == "fair" {
                    // Round 1: every owner's first task (unowned tasks count as one owner), oldest first.
                    #expect(
                        claimed == [a[0], b[0], unowned[0], c[0], a[1], b[1], unowned[1], a[2], b[2], a[3]])
                } else {
                    #expect(claimed == Array(a[0..<10]))
                }
            }
        }
    }

    @Test(
        "fair share carries turns over from claim to claim: what an owner runs counts as rounds it had",
        arguments: TestDriver.allCases)
    func fairShareAcrossClaims(driver: TestDriver) async throws {
        try await driver.withDatabase { client in
            try await client.setQueue(QueueSettings("q", fairShare: true))
            let a = try await client.enqueueMany(
                (0..<6).map { _ in NewTask(kind: "k", queue: "q") }, owner: "a"
            ).map { $0.taskIDs[0] }
            let b = try await client.enqueueMany(
                (0..<3).map { _ in NewTask(kind: "k", queue: "q") }, owner: "b"
            ).map { $0.taskIDs[0] }
            var order: [TaskID] = []
            for _ in 0..<6 { order += try await Self.claim(client, "q", limit: 1).tasks.map(\.id) }
            #expect(order == [a[0], b[0], a[1], b[1], a[2], b[2]])
        }
    }

    @Test("priority levels are strict, with fair share inside each level", arguments: TestDriver.allCases)
    func prioritiesWithFairShare(driver: TestDriver) async throws {
        try await driver.withDatabase { client in
            try await client.setQueue(QueueSettings("q", fairShare: true))
            let aNormal = try await client.enqueueMany(
                (0..<3).map { _ in NewTask(kind: "k", queue: "q") }, owner: "a"
            ).map { $0.taskIDs[0] }
            let bLow = try await client.enqueueMany(
                (0..<2).map { _ in NewTask(kind: "k", queue: "q", priority: .low) }, owner: "b"
            ).map { $0.taskIDs[0] }
            let bHigh = try await client.enqueueMany(
                (0..<2).map { _ in NewTask(kind: "k", queue: "q", priority: .high) }, owner: "b"
            ).map { $0.taskIDs[0] }
            let aHigh = try await client.enqueueMany(
                [NewTask(kind: "k", queue: "q", priority: .high)], owner: "a"
            ).map { $0.taskIDs[0] }
            let claimed = try await Self.claim(client, "q", limit: 10).tasks.map(\.id)
            #expect(claimed == [bHigh[0], aHigh[0], bHigh[1]] + aNormal + bLow)
        }
    }

    @Test("a peak window raises the limit inside its hours", arguments: TestDriver.allCases)
    func peakWindow(driver: TestDriver) async throws {
        try await driver.withDatabase { client in
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = TimeZone(identifier: "UTC")!
            let today = calendar.startOfDay(for: Date())
            let noon = today.addingTimeInterval(12 * 3600)
            let evening = today.addingTimeInterval(20 * 3600)
            let peak = PeakWindow(start: 9 * 60, end: 17 * 60, multiplier: 2)
            try await client.setQueue(QueueSettings("q", concurrencyLimit: 2, peak: peak))
            try await client.setResource(ResourceSettings("r", concurrencyLimit: 1, peak: peak))
            try await client.enqueueMany((0..<10).map { _ in NewTask(kind: "k", queue: "q") })
            try await client.enqueueMany((0..<10).map { _ in NewTask(kind: "k", queue: "rq", resources: ["r"]) })
            let offPeak = try await Self.claim(client, "q", now: evening)
            #expect(offPeak.tasks.count == 2)
            #expect(try await Self.claim(client, "q", now: noon).tasks.count == 2)
            #expect(try await Self.claim(client, "q", now: noon).tasks.isEmpty)
            #expect(try await Self.claim(client, "rq", now: evening).tasks.count == 1)
            #expect(try await Self.claim(client, "rq", now: noon).tasks.count == 1)
            #expect(try await Self.claim(client, "rq", now: noon).tasks.isEmpty)
        }
    }

    @Test(
        "a paused queue starts nothing until resumed; its running tasks are left alone",
        arguments: TestDriver.allCases)
    func pauseAndResume(driver: TestDriver) async throws {
        try await driver.withDatabase { client in
            try await client.enqueueMany((0..<4).map { _ in NewTask(kind: "k", queue: "q") })
            let running = try await client.driver.taskClaim(
                .init(queue: "q", limit: 1, workerID: "w", leaseDuration: .seconds(60)))
            try await client.pauseQueue("q")
            let paused = try await Self.claim(client, "q")
            #expect(paused.paused)
            #expect(paused.tasks.isEmpty)
            try await Self.complete(client, running)
            try await client.resumeQueue("q")
            #expect(!(try await client.driver.queueFlowGet("q").isLimited))
            #expect(
                try await client.driver.taskClaim(
                    .init(queue: "q", limit: 10, workerID: "w", leaseDuration: .seconds(60))
                ).count == 3)
        }
    }
}
