import Conveyor
import ConveyorTesting
import Foundation
import Testing

/// Hand-overs: a running task reserves the task that starts in its place when its handler
/// returns. The pair holds one place, so limits stay exact with no claim between the two.
@Suite("Flow control hand-overs", .boundedParallelism, .timeLimit(.minutes(10)))
struct FlowHandOverTests {
    static func claim(
        _ client: ConveyorClient, _ queue: String, limit: Int = 10, worker: String = "w",
        follows: ClaimedTask? = nil, returned: [ClaimedTask] = []
    ) async throws -> [ClaimedTask] {
        var params = TaskClaimParams(queue: queue, limit: limit, workerID: worker, leaseDuration: .seconds(60))
        params.follows = follows.map { TaskAttempt(id: $0.id, attempt: $0.attempt) }
        params.handlersReturned = Dictionary(uniqueKeysWithValues: returned.map { ($0.id, $0.attempt) })
        return try await client.driver.taskClaimLimited(params).tasks
    }

    static func complete(_ client: ConveyorClient, _ task: ClaimedTask) async throws {
        let written = try await client.driver.taskCompleteMany(
            .init(completions: [.init(id: task.id, attempt: task.attempt, outcome: .completed(result: nil))]))
        #expect(written == [task.id])
    }

    @Test(
        "a follower holds its leader's place: the pair counts once, before and after the leader's outcome",
        arguments: TestDriver.allCases)
    func pairHoldsOnePlace(driver: TestDriver) async throws {
        try await driver.withDatabase { client in
            try await client.setQueue(QueueSettings("q", concurrencyLimit: 2))
            try await client.enqueueMany((0..<6).map { _ in NewTask(kind: "k", queue: "q") })
            let leaders = try await Self.claim(client, "q")
            #expect(leaders.count == 2)
            let follower = try #require(try await Self.claim(client, "q", follows: leaders[0]).first)
            // Another worker finds no room: two places are held, by the two leaders.
            #expect(try await Self.claim(client, "q", worker: "other").isEmpty)
            // One follower per leader.
            #expect(try await Self.claim(client, "q", follows: leaders[0]).isEmpty)
            #expect(try await Self.claim(client, "q", follows: leaders[1]).count == 1)
            // The first leader finishes: its follower now holds the place; still no room.
            try await Self.complete(client, leaders[0])
            #expect(try await Self.claim(client, "q", worker: "other").isEmpty)
            // Once it finishes too, that place is free; the other leader and its follower hold one.
            try await Self.complete(client, follower)
            #expect(try await Self.claim(client, "q", worker: "other").count == 1)
        }
    }

    @Test("a follower only for a task this worker runs under that attempt", arguments: TestDriver.allCases)
    func onlyForOwnRunningTask(driver: TestDriver) async throws {
        try await driver.withDatabase { client in
            try await client.setQueue(QueueSettings("q", concurrencyLimit: 5))
            try await client.enqueueMany((0..<4).map { _ in NewTask(kind: "k", queue: "q") })
            let leader = try #require(try await Self.claim(client, "q", limit: 1).first)
            #expect(try await Self.claim(client, "q", worker: "other", follows: leader).isEmpty)
            var stale = leader
            stale.attempt += 1
            #expect(try await Self.claim(client, "q", follows: stale).isEmpty)
            try await Self.complete(client, leader)
            #expect(try await Self.claim(client, "q", follows: leader).isEmpty)
        }
    }

    @Test(
        "a follower is the first waiting task, on its leader's places only: none when it needs a limited resource its leader does not hold",
        arguments: TestDriver.allCases)
    func followerTakesOnlyItsLeadersPlaces(driver: TestDriver) async throws {
        try await driver.withDatabase { client in
            try await client.setQueue(QueueSettings("q", concurrencyLimit: 10))
            try await client.setResource(ResourceSettings("gpu", concurrencyLimit: 1))
            let plain = try await client.enqueueMany((0..<2).map { _ in NewTask(kind: "k", queue: "q") })
                .map { $0.taskIDs[0] }
            let gpu = try await client.enqueueMany(
                (0..<2).map { _ in NewTask(kind: "k", queue: "q", resources: ["gpu"]) }
            ).map { $0.taskIDs[0] }
            let free = try await client.enqueue(NewTask(kind: "k", queue: "q", resources: ["unconfigured"])).taskIDs[0]
            let leaders = try await Self.claim(client, "q", limit: 2)
            #expect(leaders.map(\.id) == plain)
            // The first waiting task needs the gpu, which the leader does not hold: no follower (a
            // gpu place taken now would stand idle while the leader runs), and no later task
            // jumps ahead of it either…
            #expect(try await Self.claim(client, "q", follows: leaders[0]).isEmpty)
            // …so the gpu's place is still there for a claim.
            let gpuTask = try #require(try await Self.claim(client, "q", limit: 1, worker: "w2").first)
            #expect(gpuTask.id == gpu[0])
            // With the gpu full, its tasks are passed over: the other leader's follower is the task
            // that uses an unconfigured resource (which limits nothing).
            #expect(try await Self.claim(client, "q", follows: leaders[1]).map(\.id) == [free])
            // A gpu task is followed by the next gpu task, in its place.
            #expect(try await Self.claim(client, "q", worker: "w2", follows: gpuTask).map(\.id) == [gpu[1]])
        }
    }

    @Test(
        "a task claimed in the place of one whose handler returned pairs with it: every claim counts one place",
        arguments: TestDriver.allCases)
    func claimPairsWithReturned(driver: TestDriver) async throws {
        try await driver.withDatabase { client in
            try await client.setQueue(QueueSettings("q", concurrencyLimit: 2))
            try await client.enqueueMany((0..<5).map { _ in NewTask(kind: "k", queue: "q") })
            let leaders = try await Self.claim(client, "q")
            #expect(leaders.count == 2)
            // The first one's handler returned, its outcome not written yet: its worker takes its place.
            #expect(try await Self.claim(client, "q", returned: [leaders[0]]).count == 1)
            // Every other claim counts the two as one place: full, yet not over the limit (over
            // it, no follower would be reserved).
            #expect(try await Self.claim(client, "q", worker: "w2").isEmpty)
            #expect(try await Self.claim(client, "q", follows: leaders[1]).count == 1)
            // Once the outcome is written, the new task holds the place alone.
            try await Self.complete(client, leaders[0])
            #expect(try await Self.claim(client, "q", worker: "w2").isEmpty)
        }
    }

    @Test("no follower under a rate limit, while paused, or while over a lowered limit", arguments: TestDriver.allCases)
    func noFollowerWhenLimitsSayNo(driver: TestDriver) async throws {
        try await driver.withDatabase { client in
            try await client.setQueue(QueueSettings("q", concurrencyLimit: 3))
            try await client.enqueueMany((0..<10).map { _ in NewTask(kind: "k", queue: "q") })
            let leaders = try await Self.claim(client, "q")
            #expect(leaders.count == 3)
            try await client.setQueue(QueueSettings("q", concurrencyLimit: 2))
            #expect(try await Self.claim(client, "q", follows: leaders[0]).isEmpty)
            try await client.setQueue(QueueSettings("q", concurrencyLimit: 3))
            try await client.pauseQueue("q")
            #expect(try await Self.claim(client, "q", follows: leaders[0]).isEmpty)
            try await client.resumeQueue("q")
            try await client.updateQueue("q") { $0.rateLimit = RateLimit(100, per: .seconds(1)) }
            #expect(try await Self.claim(client, "q", follows: leaders[0]).isEmpty)
            try await client.updateQueue("q") { $0.rateLimit = nil }
            #expect(try await Self.claim(client, "q", follows: leaders[0]).count == 1)

            try await client.setResource(ResourceSettings("api", rateLimit: RateLimit(100, per: .seconds(60))))
            try await client.setQueue(QueueSettings("r", concurrencyLimit: 5))
            try await client.enqueueMany((0..<3).map { _ in NewTask(kind: "k", queue: "r", resources: ["api"]) })
            let apiLeader = try #require(try await Self.claim(client, "r", limit: 1).first)
            #expect(try await Self.claim(client, "r", follows: apiLeader).isEmpty)
        }
    }

    @Test("a task whose handler returned holds no place while its outcome is written", arguments: TestDriver.allCases)
    func returnedHandlersHoldNoPlace(driver: TestDriver) async throws {
        try await driver.withDatabase { client in
            try await client.setResource(ResourceSettings("tts", concurrencyLimit: 1))
            try await client.enqueueMany((0..<3).map { _ in NewTask(kind: "k", queue: "q", resources: ["tts"]) })
            let first = try #require(try await Self.claim(client, "q").first)
            #expect(try await Self.claim(client, "q").isEmpty)
            // Only the worker that ran it may say so: another one still counts the task.
            #expect(try await Self.claim(client, "q", worker: "other", returned: [first]).isEmpty)
            #expect(try await Self.claim(client, "q", returned: [first]).count == 1)
        }
    }
}
