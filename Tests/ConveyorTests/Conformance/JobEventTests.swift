import Conveyor
import ConveyorTesting
import Foundation
import Logging
import ServiceLifecycle
import Testing

@Suite("Job event feed", .boundedParallelism, .timeLimit(.minutes(10)))
struct JobEventTests {
    /// What a feed reports of one change, for comparing whole sequences.
    struct Change: Equatable, CustomStringConvertible {
        var task: String
        var state: TaskState
        var attempt: Int
        var progress: Int? = nil
        var error: String? = nil
        var job: JobState
        var description: String {
            "\(task) \(state) #\(attempt) \(progress.map { "\($0)%" } ?? "-") \(error ?? "-") → \(job)"
        }
    }

    /// Every change of the three-task chain `a → b → c` driven by ``drive(_:job:)``, in order.
    static let expected: [Change] = [
        Change(task: "a", state: .available, attempt: 0, job: .queued),
        Change(task: "b", state: .blocked, attempt: 0, job: .queued),
        Change(task: "c", state: .blocked, attempt: 0, job: .queued),
        Change(task: "a", state: .running, attempt: 1, job: .running),
        Change(task: "a", state: .running, attempt: 1, progress: 50, job: .running),
        Change(task: "a", state: .completed, attempt: 1, progress: 50, job: .running),
        Change(task: "b", state: .available, attempt: 0, job: .running),
        Change(task: "b", state: .running, attempt: 1, job: .running),
        Change(task: "b", state: .retryable, attempt: 1, error: "boom", job: .running),
        Change(task: "b", state: .available, attempt: 1, error: "boom", job: .running),
        Change(task: "b", state: .running, attempt: 2, error: "boom", job: .running),
        Change(task: "b", state: .completed, attempt: 2, error: "boom", job: .running),
        Change(task: "c", state: .available, attempt: 0, job: .running),
        Change(task: "c", state: .running, attempt: 1, job: .running),
        Change(task: "c", state: .completed, attempt: 1, job: .completed),
    ]

    static func change(_ event: JobEvent) -> Change {
        Change(
            task: event.task.name ?? "?", state: event.task.state, attempt: event.task.attempt,
            progress: event.task.progress, error: event.task.lastError, job: event.jobState)
    }

    static func enqueueChain(
        _ client: ConveyorClient, queue: String = "events", owner: String = ""
    ) async throws -> EnqueuedJob {
        try await client.enqueueJob(
            kind: "chain",
            tasks: [
                NewTask(kind: "k", queue: queue, name: "a"),
                NewTask(kind: "k", queue: queue, name: "b", dependsOn: ["a"]),
                NewTask(kind: "k", queue: queue, name: "c", dependsOn: ["b"]),
            ], owner: owner)
    }

    /// Runs the chain through the driver, one step at a time: a progress report, a failed attempt
    /// retried after a promotion, and completions that unblock the next task. `limited` claims
    /// through the flow-control claim, as a worker does for a queue with a limit.
    static func drive(_ client: ConveyorClient, queue: String = "events", limited: Bool = false) async throws {
        let d = client.driver
        func claim() async throws -> ClaimedTask {
            let params = TaskClaimParams(queue: queue, limit: 1, workerID: "w", leaseDuration: .seconds(60))
            let claimed = limited ? try await d.taskClaimLimited(params).tasks : try await d.taskClaim(params)
            return try #require(claimed.first)
        }
        func complete(_ task: ClaimedTask, _ outcome: TaskCompletion.Outcome) async throws {
            let written = try await d.taskCompleteMany(
                .init(completions: [.init(id: task.id, attempt: task.attempt, outcome: outcome)]))
            #expect(written == [task.id])
        }
        let a = try await claim()
        #expect(try await d.taskReportProgress(.init(id: a.id, attempt: a.attempt, percent: 50, message: "half")))
        try await complete(a, .completed(result: nil))
        let b1 = try await claim()
        let later = Date().addingTimeInterval(3600)
        try await complete(
            b1, .retry(at: later, error: AttemptError(attempt: 1, at: Date(), error: "boom", worker: "w")))
        #expect(try await d.taskPromoteDue(.init(now: later.addingTimeInterval(1), limit: 10)) == 1)
        let b2 = try await claim()
        try await complete(b2, .completed(result: nil))
        let c = try await claim()
        try await complete(c, .completed(result: nil))
    }

    static func collect<Feed: AsyncSequence>(_ feed: Feed) async throws -> [JobEvent] where Feed.Element == JobEvent {
        var events: [JobEvent] = []
        for try await event in feed { events.append(event) }
        return events
    }

    @Test("every change of a three-task job is in the feed, in order, numbered from 1", arguments: TestDriver.allCases)
    func wholeFeed(driver: TestDriver) async throws {
        try await driver.withDatabase { client in
            let job = try await Self.enqueueChain(client)
            try await Self.drive(client)
            let events = try await Self.collect(client.jobEvents(job.jobID))
            #expect(events.map(Self.change) == Self.expected)
            #expect(events.map(\.sequence) == Array(1...Self.expected.count))
            #expect(events.last?.isFinal == true)
            #expect(events.last?.jobProgress == 1)
            #expect(events.allSatisfy { $0.jobID == job.jobID })
            #expect(events[4].task.progressMessage == "half")
        }
    }

    @Test(
        "a job on a queue under a limit has the same feed: the limited claim enters the log too",
        arguments: TestDriver.allCases)
    func limitedClaimFeed(driver: TestDriver) async throws {
        try await driver.withDatabase { client in
            try await client.setQueue(QueueSettings("events-limited", concurrencyLimit: 2))
            let job = try await Self.enqueueChain(client, queue: "events-limited")
            try await Self.drive(client, queue: "events-limited", limited: true)
            let events = try await Self.collect(client.jobEvents(job.jobID))
            #expect(events.map(Self.change) == Self.expected)
        }
    }

    @Test("a reader resuming after an event gets every later one and nothing twice", arguments: TestDriver.allCases)
    func resume(driver: TestDriver) async throws {
        try await driver.withDatabase { client in
            let job = try await Self.enqueueChain(client)
            try await Self.drive(client)
            for after in [1, 7, 14] {
                let events = try await Self.collect(client.jobEvents(job.jobID, after: after))
                #expect(events.map(\.sequence) == Array((after + 1)...Self.expected.count))
                #expect(events.map(Self.change) == Array(Self.expected[after...]))
            }
            // After the event that ended the job there is nothing more: the feed ends at once.
            #expect(try await Self.collect(client.jobEvents(job.jobID, after: Self.expected.count)).isEmpty)
        }
    }

    @Test(
        "a live reader woken by the driver's notifications sees each change as it commits, across a reconnect",
        arguments: TestDriver.allCases)
    func live(driver: TestDriver) async throws {
        try await driver.withDatabase { client in
            let job = try await Self.enqueueChain(client)
            // A long poll interval: the feed moves on notifications.
            let notifier = JobEventNotifier(client: client, pollInterval: .seconds(30), logger: .test())
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await notifier.run() }
                // The first reader stops after 5 events (a dropped connection); the second resumes there.
                var first: [JobEvent] = []
                for try await event in client.jobEvents(job.jobID, notifier: notifier) {
                    first.append(event)
                    if first.count == 3 {
                        group.addTask { try await Self.drive(client) }
                    }
                    if first.count == 5 { break }
                }
                let rest = try await Self.collect(
                    client.jobEvents(job.jobID, after: first.last?.sequence ?? 0, notifier: notifier))
                #expect((first + rest).map(Self.change) == Self.expected)
                group.cancelAll()
            }
        }
    }

    @Test("an unknown job's feed throws not found", arguments: TestDriver.allCases)
    func unknownJob(driver: TestDriver) async throws {
        try await driver.withDatabase { client -> Void in
            await #expect(throws: ConveyorError.self) {
                _ = try await Self.collect(client.jobEvents(JobID(987_654)))
            }
        }
    }

    @Test("plain single-task jobs record no events; their feed reports their state", arguments: TestDriver.allCases)
    func plainTask(driver: TestDriver) async throws {
        try await driver.withDatabase { client in
            let job = try await client.enqueue(NewTask(kind: "k", queue: "plain"))
            let claimed = try await client.driver.taskClaim(
                .init(queue: "plain", limit: 1, workerID: "w", leaseDuration: .seconds(60)))
            _ = try await client.driver.taskCompleteMany(
                .init(
                    completions: claimed.map { .init(id: $0.id, attempt: $0.attempt, outcome: .completed(result: nil)) }
                )
            )
            #expect(try await client.driver.jobEventList(.init(jobID: job.jobID, offset: 0, limit: 10)).isEmpty)
            let events = try await Self.collect(client.jobEvents(job.jobID))
            #expect(events.map(\.task.state) == [.completed])
            #expect(events.map(\.jobState) == [.completed])
        }
    }

    @Test("cancellation and redrive enter the log; pruning removes it with the job", arguments: TestDriver.allCases)
    func cancelRedrivePrune(driver: TestDriver) async throws {
        try await driver.withDatabase { client in
            let job = try await Self.enqueueChain(client, queue: "cancel")
            try await client.cancelJob(job.jobID)
            var events = try await Self.collect(client.jobEvents(job.jobID))
            #expect(events.map(\.task.state) == [.available, .blocked, .blocked, .cancelled, .cancelled, .cancelled])
            #expect(events.last?.jobState == .cancelled)
            #expect(events.last?.task.lastError?.hasPrefix("cancelled") == true)

            #expect(try await client.retryJob(job.jobID) == 3)
            // One statement redrives the three: their order within it is the database's.
            events = try await Self.collect(client.jobEvents(job.jobID, after: 6).prefix(3))
            #expect(
                Set(events.map { "\($0.task.name ?? "") \($0.task.state)" }) == [
                    "a available", "b blocked", "c blocked",
                ])
            #expect(events.last?.jobState == .queued)
            try await client.cancelJob(job.jobID)
            // Read through the feed, which waits until the rows are stable (on PostgreSQL, until
            // every transaction older than the cancellation's has ended).
            let cancelledAgain = try await Self.collect(client.jobEvents(job.jobID, after: 9))
            #expect(cancelledAgain.map(\.task.state) == [.cancelled, .cancelled, .cancelled])
            #expect(cancelledAgain.map(\.sequence) == [10, 11, 12])
            #expect(try await client.driver.jobEventCount(job.jobID) == 12)
            let pruned = try await client.driver.taskPrune(
                .init(
                    completedBefore: Date().addingTimeInterval(60), failedBefore: Date().addingTimeInterval(60),
                    limit: 100))
            #expect(pruned == 3)
            #expect(try await client.driver.jobEventList(.init(jobID: job.jobID, offset: 0, limit: 100)).isEmpty)
            #expect(try await client.driver.jobEventCount(job.jobID) == 0)
        }
    }
}
