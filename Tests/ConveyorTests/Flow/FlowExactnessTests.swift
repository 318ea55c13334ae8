import Conveyor
import ConveyorTesting
import Foundation
import Testing

/// The guarantees of flow control, checked end to end: 8 worker slots per queue in 2 workers (on
/// PostgreSQL, 2 `conveyor work` processes; see ``FlowWorkers``), handlers that record when they
/// ran, and the records read back from the database. Serialized, so that the runs do not compete
/// with each other for the machine (scripts/test runs this suite alone, after the others).
@Suite(
    "Flow control exactness, across workers and processes", .serialized, .boundedParallelism,
    .timeLimit(.minutes(10)))
struct FlowExactnessTests {
    /// A `sleep` task that records when it ran; its input names its resources, so runs can be
    /// grouped by them afterwards (the handler ignores the extra field).
    static func timed(_ ms: Int, queue: String, resources: [String] = []) -> NewTask {
        let uses = resources.joined(separator: ",")
        return NewTask(
            kind: "sleep", input: #"{"ms": \#(ms), "timed": true, "uses": "\#(uses)"}"#, queue: queue,
            resources: resources)
    }

    static func uses(_ resource: String, _ runs: [RecordedRun]) -> [RecordedRun] {
        runs.filter { $0.task.input.contains(resource) }
    }

    static func completed(_ client: ConveyorClient, _ queues: Set<String>) async throws -> Int {
        try await client.queueStats().filter { queues.contains($0.queue) }.reduce(0) { $0 + $1.completedToday }
    }

    @Test(
        "8 workers (2 processes on PostgreSQL), 2,000 tasks of 20 ms: the queue's limit (5) and the shared resource's (3) are never exceeded, and are used",
        arguments: TestDriver.allCases)
    func limitsHoldAndAreUsed(driver: TestDriver) async throws {
        try await FlowWorkers.withDatabase(driver) { client, database in
            try await client.setQueue(QueueSettings("flow-a", concurrencyLimit: 5))
            try await client.setResource(ResourceSettings("flow-r", concurrencyLimit: 3))
            let (a, b) = try await FlowWorkers.run(
                driver, client: client, database: database, queues: ["flow-a", "flow-b"]
            ) {
                // Every other task of flow-a uses the resource, which flow-b's tasks use too.
                let a = try await client.enqueueJob(
                    kind: "flow-a",
                    tasks: (0..<2000).map {
                        Self.timed(20, queue: "flow-a", resources: $0.isMultiple(of: 2) ? ["flow-r"] : [])
                    })
                let b = try await client.enqueueJob(
                    kind: "flow-b", tasks: (0..<500).map { _ in Self.timed(20, queue: "flow-b", resources: ["flow-r"]) }
                )
                try await waitUntil("2,500 tasks completed", timeout: .seconds(150), every: .milliseconds(200)) {
                    try await Self.completed(client, ["flow-a", "flow-b"]) == 2500
                }
                return (a, b)
            }
            let runsA = try await RecordedRun.of(client, job: a.jobID)
            let runsB = try await RecordedRun.of(client, job: b.jobID)
            #expect(runsA.count == 2000 && runsB.count == 500)
            #expect((runsA + runsB).allSatisfy { $0.task.state == .completed && $0.task.attempt == 1 })
            let usingR = Self.uses("flow-r", runsA + runsB)
            let freeA = runsA.filter { !$0.task.input.contains("flow-r") }
            #expect(usingR.count == 1500 && freeA.count == 1000)

            // Never beyond a limit, and each limit reached.
            #expect(RecordedRun.maxConcurrency(runsA) == 5)
            #expect(RecordedRun.maxConcurrency(usingR) == 3)

            // Capacity not left idle while tasks wait: from the first start until the last task a
            // limit governs started (so tasks it could run were waiting all along), the limit's
            // places were busy at least 80% of the time. flow-a's limit is judged while tasks of
            // it that need no resource still wait, since the resource is shared with flow-b.
            let first = (runsA + runsB).map(\.start).min() ?? 0
            let lastR = usingR.map(\.start).max() ?? 0
            let lastFreeA = freeA.map(\.start).max() ?? 0
            let resourceUse = RecordedRun.busy(usingR, from: first, to: lastR) / (3 * (lastR - first))
            let queueUse = RecordedRun.busy(runsA, from: first, to: lastFreeA) / (5 * (lastFreeA - first))
            #expect(resourceUse >= 0.8, "resource utilisation \(resourceUse)")
            #expect(queueUse >= 0.8, "queue utilisation \(queueUse)")
            print("flow exactness on \(driver): resource utilisation \(resourceUse), queue utilisation \(queueUse)")
        }
    }

    @Test(
        "a rate limit of 50 per second, 500 tasks over 10 seconds: no one-second window holds more than 50 recorded starts",
        arguments: TestDriver.allCases)
    func rateLimit(driver: TestDriver) async throws {
        try await FlowWorkers.withDatabase(driver) { client, database in
            try await client.setQueue(QueueSettings("flow-rate", rateLimit: RateLimit(50, per: .seconds(1))))
            let job = try await FlowWorkers.run(
                driver, client: client, database: database, queues: ["flow-rate"], slots: 16
            ) {
                let job = try await client.enqueueJob(
                    kind: "flow-rate", tasks: (0..<500).map { _ in Self.timed(1, queue: "flow-rate") })
                try await waitUntil("500 tasks completed", timeout: .seconds(90), every: .milliseconds(200)) {
                    try await Self.completed(client, ["flow-rate"]) == 500
                }
                return job
            }
            let runs = try await RecordedRun.of(client, job: job.jobID)
            #expect(runs.count == 500)
            // A start is what the database recorded when it claimed the task (attempted_at), in
            // microseconds: the limit counts those, whatever delay a handler then has.
            let starts = try runs.map { run in
                Int64((try #require(run.task.attemptedAt).timeIntervalSince1970 * 1_000_000).rounded())
            }.sorted()
            var busiest = 0
            var first = 0
            for last in starts.indices {
                while starts[last] - starts[first] >= 1_000_000 { first += 1 }
                busiest = max(busiest, last - first + 1)
            }
            #expect(busiest == 50, "the busiest one-second window held \(busiest) starts")
        }
    }

    @Test(
        "fair share: owner A enqueues 1,000 tasks, then owner B 10; all of B's start before A's 100th",
        arguments: TestDriver.allCases)
    func fairShare(driver: TestDriver) async throws {
        try await FlowWorkers.withDatabase(driver) { client, database in
            // Paused while both enqueue, so that the order, not the timing, decides.
            try await client.setQueue(QueueSettings("flow-fair", paused: true, fairShare: true))
            let a = try await client.enqueueJob(
                kind: "a", tasks: (0..<1000).map { _ in Self.timed(5, queue: "flow-fair") }, owner: "owner-a")
            let b = try await client.enqueueJob(
                kind: "b", tasks: (0..<10).map { _ in Self.timed(5, queue: "flow-fair") }, owner: "owner-b")
            try await FlowWorkers.run(driver, client: client, database: database, queues: ["flow-fair"]) {
                try await client.resumeQueue("flow-fair")
                try await waitUntil("1,010 tasks completed", timeout: .seconds(90), every: .milliseconds(200)) {
                    try await Self.completed(client, ["flow-fair"]) == 1010
                }
            }
            let runsA = try await RecordedRun.of(client, job: a.jobID).map(\.start).sorted()
            let runsB = try await RecordedRun.of(client, job: b.jobID).map(\.start).sorted()
            #expect(runsA.count == 1000 && runsB.count == 10)
            let lastB = try #require(runsB.last)
            #expect(lastB < runsA[99], "B's last task started after A's 100th")
        }
    }

    @Test(
        "a limit lowered, then raised, while workers run: each takes effect within 5 seconds",
        arguments: TestDriver.allCases)
    func limitChangedAtRuntime(driver: TestDriver) async throws {
        try await FlowWorkers.withDatabase(driver) { client, database in
            let (job, lowered, raised, end) = try await FlowWorkers.run(
                driver, client: client, database: database, queues: ["flow-live"]
            ) {
                let job = try await client.enqueueJob(
                    kind: "live", tasks: (0..<3000).map { _ in Self.timed(40, queue: "flow-live") })
                // No limit yet: the 8 slots fill.
                try await waitUntil("6 tasks running", timeout: .seconds(30)) {
                    try await client.queueStats().first { $0.queue == "flow-live" }?.running ?? 0 >= 6
                }
                let lowered = Date().timeIntervalSince1970
                try await client.setQueue(QueueSettings("flow-live", concurrencyLimit: 2))
                try await Self.waitForRun(client, job: job.jobID, startedAfter: lowered + 5.5)
                let raised = Date().timeIntervalSince1970
                try await client.setQueue(QueueSettings("flow-live", concurrencyLimit: 6))
                try await Self.waitForRun(client, job: job.jobID, startedAfter: raised + 5.5)
                return (job, lowered, raised, Date().timeIntervalSince1970)
            }
            let runs = try await RecordedRun.finished(client, job: job.jobID)
            let whileLowered = RecordedRun.maxConcurrency(runs, from: lowered + 5, to: raised)
            let whileRaised = RecordedRun.maxConcurrency(runs, from: raised + 5, to: end)
            #expect(whileLowered == 2, "at most \(whileLowered) ran at once from 5 s after the limit went down to 2")
            #expect(whileRaised == 6, "at most \(whileRaised) ran at once from 5 s after the limit went up to 6")
        }
    }

    /// Waits until a task that started after `time` (seconds since 1970) has finished.
    static func waitForRun(_ client: ConveyorClient, job: JobID, startedAfter time: Double) async throws {
        try await waitUntil("a task started after \(time) finished", timeout: .seconds(60), every: .milliseconds(250)) {
            try await RecordedRun.finished(client, job: job).contains { $0.start > time }
        }
    }
}
