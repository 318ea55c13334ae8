import Conveyor
import ConveyorTesting
import Foundation
import Synchronization
import Testing

@Suite("Task dependencies", .boundedParallelism, .timeLimit(.minutes(10)))
struct DependencyTests {
    @Test("a diamond runs in dependency order and its tasks wait blocked", arguments: TestDriver.allCases)
    func diamond(driver: TestDriver) async throws {
        try await driver.withDatabase { client in
            let log = StepLog()
            let job = try await client.enqueueJob(
                kind: "diamond",
                tasks: [
                    .step("top"), .step("left", after: ["top"]), .step("right", after: ["top"]),
                    .step("bottom", after: ["left", "right"]),
                ])
            let queued = try #require(try await client.job(job.jobID))
            #expect(queued.tasks.map(\.state) == [.available, .blocked, .blocked, .blocked])
            #expect(queued.tasks.map(\.name) == ["top", "left", "right", "bottom"])
            #expect(queued.tasks[3].dependsOn == [job.taskIDs[1], job.taskIDs[2]])
            let stats = try await client.queueStats()
            #expect(stats.first { $0.queue == Step.queue }?.blocked == 3)

            try await drain(client, registry: .steps(log: log), configuration: .steps())

            let done = try #require(try await client.job(job.jobID))
            #expect(done.state == .completed)
            #expect(log.startedAfter("left", ["top"]))
            #expect(log.startedAfter("right", ["top"]))
            #expect(log.startedAfter("bottom", ["left", "right"]))
            #expect(["top", "left", "right", "bottom"].allSatisfy { log.starts($0) == 1 })
            // The job's result is its final task's.
            #expect(sameJSON(done.result, #"{"label":"bottom"}"#))
            #expect(done.finalTasks.map(\.name) == ["bottom"])
        }
    }

    @Test("a chain of 50 runs strictly one after another", arguments: TestDriver.allCases)
    func chain(driver: TestDriver) async throws {
        try await driver.withDatabase { client in
            let log = StepLog()
            let labels = (1...50).map { "link-\($0)" }
            let job = try await client.enqueueJob(
                kind: "chain", tasks: NewTask.sequence(labels.map { .step($0).named($0) }))
            try await drain(client, registry: .steps(log: log), configuration: .steps())
            #expect(try await client.job(job.jobID)?.state == .completed)
            #expect(log.all == labels.flatMap { [StepLog.Event.start($0), .end($0)] })
        }
    }

    @Test("a fan-in of 1,000 waits for all, once, and reads every result", arguments: TestDriver.allCases)
    func fanIn(driver: TestDriver) async throws {
        try await driver.withDatabase { client in
            let log = StepLog()
            let parts = (0..<1000).map { "part-\($0)" }
            var registry = TaskRegistry.steps(log: log)
            let seen = ResultCount()
            registry.register(kind: "gather") { _, context in
                seen.set(try await context.dependencyResults().filter { $0.result != nil }.count)
                return "true"
            }
            let job = try await client.enqueueJob(
                kind: "fan-in",
                tasks: parts.map { NewTask.step($0) }
                    + [NewTask(kind: "gather", queue: Step.queue, name: "gather", dependsOn: parts)])
            // Three workers complete dependencies concurrently: each completion takes one blocker
            // off the same row, and none may be lost.
            let workers = try (0..<3).map { _ in
                try Worker(client: client, registry: registry, configuration: .steps(concurrency: 30), logger: .test())
            }
            try await withRunningWorkers(workers) {
                try await waitUntil("the fan-in job completed", timeout: .seconds(90)) {
                    try await client.job(job.jobID)?.state == .completed
                }
            }
            let done = try #require(try await client.job(job.jobID))
            #expect(done.state == .completed)
            #expect(done.tasks.allSatisfy { $0.attempt == 1 })
            #expect(seen.value == [1000])
        }
    }

    @Test(
        "a discarded dependency cancels its dependents, directly or not, with the reason; the rest runs",
        arguments: TestDriver.allCases)
    func failurePropagates(driver: TestDriver) async throws {
        try await driver.withDatabase { client in
            let log = StepLog()
            let job = try await client.enqueueJob(
                kind: "doomed",
                tasks: [
                    .step("bad", .discard), .step("child", after: ["bad"]), .step("grandchild", after: ["child"]),
                    .step("bystander"),
                ])
            try await drain(client, registry: .steps(log: log), configuration: .steps())
            let done = try #require(try await client.job(job.jobID))
            #expect(done.tasks.map(\.state) == [.discarded, .cancelled, .cancelled, .completed])
            #expect(done.state == .failed)
            let childError = try #require(done.tasks[1].errors.last?.error)
            #expect(
                childError.contains("\(job.taskIDs[0])") && childError.contains("bad")
                    && childError.contains("discarded"))
            #expect(done.tasks[2].errors.last?.error.contains("cancelled") == true)
            #expect(done.tasks[1].finishedAt != nil)
            #expect(log.starts("child") == 0 && log.starts("grandchild") == 0)
        }
    }

    @Test("a task dead-lettered by the rescuer cancels its dependents too", arguments: TestDriver.allCases)
    func rescueDiscardPropagates(driver: TestDriver) async throws {
        try await driver.withDatabase { client in
            var lost = NewTask.step("lost", .wait)
            lost.maxAttempts = 1
            let job = try await client.enqueueJob(kind: "rescued", tasks: [lost, .step("after", after: ["lost"])])
            let claimed = try await client.driver.taskClaim(
                .init(queue: Step.queue, limit: 5, workerID: "gone", leaseDuration: .seconds(1)))
            #expect(claimed.map(\.id) == [job.taskIDs[0]])
            let rescued = try await client.driver.taskRescueExpired(
                .init(now: Date().addingTimeInterval(60), limit: 10, retryPolicy: .init()))
            #expect(rescued.discarded == 1)
            let after = try #require(try await client.job(job.jobID))
            #expect(after.tasks.map(\.state) == [.discarded, .cancelled])
            #expect(after.tasks[1].errors.last?.error.contains("(lost)") == true)
            #expect(after.state == .failed)
        }
    }

    @Test(
        "cycles, self-references and unknown names are refused at enqueue, naming the task",
        arguments: TestDriver.allCases)
    func invalidGraphs(driver: TestDriver) async throws {
        try await driver.withDatabase { client in
            let cases: [([NewTask], String)] = [
                ([.step("a", after: ["b"]), .step("b", after: ["a"])], "cycle"),
                ([.step("a", after: ["a"])], "'a' depends on itself"),
                ([.step("a"), .step("b", after: ["ghost"])], "'b' depends on 'ghost'"),
                ([.step("a"), .step("a")], "named 'a'"),
            ]
            for (tasks, message) in cases {
                let error = await #expect(throws: ConveyorError.self) {
                    _ = try await client.enqueueJob(kind: "bad", tasks: tasks)
                }
                #expect(error?.code == .invalidInput)
                #expect(error?.message.contains(message) == true, "\(error?.message ?? "") lacks \(message)")
            }
            let single = await #expect(throws: ConveyorError.self) {
                _ = try await client.enqueue(NewTask.step("alone", after: ["other"]))
            }
            #expect(single?.message.contains("enqueueJob") == true)
            let stats = try await client.queueStats()
            #expect(stats.first { $0.queue == Step.queue } == nil)
        }
    }
}

/// The values a handler saw, for assertions after the run.
final class ResultCount: Sendable {
    private let values = Mutex<[Int]>([])
    func set(_ value: Int) { values.withLock { $0.append(value) } }
    var value: [Int] { values.withLock { $0 } }
}
