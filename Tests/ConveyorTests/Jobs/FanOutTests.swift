import Conveyor
import ConveyorTesting
import Foundation
import Synchronization
import Testing

@Suite("Run-time fan-out", .boundedParallelism, .timeLimit(.minutes(10)))
struct FanOutTests {
    /// `split` adds `parts` steps and a `join` that waits for all of them and returns their count.
    static func registry(log: StepLog, parts: Int, holdFirstAttempt: HoldFirstAttempt? = nil) -> TaskRegistry {
        var registry = TaskRegistry.steps(log: log)
        registry.register(kind: "split", timeout: nil) { _, context in
            let chunks = (0..<parts).map { NewTask.step("chunk-\($0)") }
            try context.addTasks(chunks)
            try context.addTask(
                NewTask(kind: "join", queue: Step.queue, name: "join", dependsOn: chunks.compactMap(\.name)))
            if let holdFirstAttempt, context.attempt == 1 { try await holdFirstAttempt.hold() }
            return #"{"split":\#(parts)}"#
        }
        registry.register(kind: "join") { _, context in
            let labels = try await context.dependencyResults().compactMap(\.result)
            return #"{"joined":\#(labels.count)}"#
        }
        return registry
    }

    @Test("a handler adds tasks to its job; the job completes when they do", arguments: TestDriver.allCases)
    func fanOut(driver: TestDriver) async throws {
        try await driver.withDatabase { client in
            let log = StepLog()
            // A single-task job grows, and so does a task of a multi-task job.
            let single = try await client.enqueue(NewTask(kind: "split", queue: Step.queue))
            let multi = try await client.enqueueJob(
                kind: "pair",
                tasks: [
                    NewTask(kind: "split", queue: Step.queue, name: "split"), .step("after-split", after: ["split"]),
                ])
            try await drain(client, registry: Self.registry(log: log, parts: 40), configuration: .steps())

            for jobID in [single.jobID, multi.jobID] {
                let job = try #require(try await client.job(jobID))
                #expect(job.state == .completed)
                let join = try #require(job.tasks.first { $0.name == "join" })
                #expect(sameJSON(join.result, #"{"joined":40}"#))
                #expect(join.dependsOn.count == 40)
                #expect(job.tasks.filter { $0.name?.hasPrefix("chunk-") == true }.count == 40)
                #expect(job.tasks.allSatisfy { $0.attempt == 1 && $0.jobID == jobID })
            }
            let multiJob = try #require(try await client.job(multi.jobID))
            #expect(multiJob.tasks.count == 43)
            // Two final tasks: the result holds both, by name.
            #expect(Set(multiJob.finalTasks.compactMap(\.name)) == ["after-split", "join"])
            #expect(sameJSON(multiJob.result, #"{"after-split":{"label":"after-split"},"join":{"joined":40}}"#))
        }
    }

    @Test(
        "an attempt that loses its task after adding tasks adds none; the next attempt adds them once",
        arguments: TestDriver.allCases)
    func atomicWithCompletion(driver: TestDriver) async throws {
        try await driver.withDatabase { client in
            let log = StepLog()
            let hold = HoldFirstAttempt()
            let job = try await client.enqueue(NewTask(kind: "split", queue: Step.queue))
            let worker = try Worker(
                client: client, registry: Self.registry(log: log, parts: 5, holdFirstAttempt: hold),
                configuration: .steps(), logger: .test())
            try await withRunningWorker(worker) {
                // The first attempt has added its tasks (in memory) and now waits.
                try await waitUntil("the first attempt holds") { hold.isHolding }
                // Its lease expires (as when its worker is killed) and the rescuer takes the task back.
                let later = Date().addingTimeInterval(3600)
                let rescued = try await client.driver.taskRescueExpired(
                    .init(now: later, limit: 10, retryPolicy: .init(initial: .zero, jitter: 0)))
                #expect(rescued.retried == 1)
                #expect(try await client.driver.taskPromoteDue(.init(now: later, limit: 10)) == 1)
                #expect(try await client.job(job.jobID)?.tasks.count == 1)
                try await waitUntil("the second attempt completed the job", timeout: .seconds(60)) {
                    try await client.job(job.jobID)?.state == .completed
                }
            }
            let done = try #require(try await client.job(job.jobID))
            #expect(done.tasks.count == 7)
            #expect(done.tasks[0].attempt == 2)
            #expect(Set(done.tasks.dropFirst().compactMap(\.name)).count == 6)
            #expect((0..<5).allSatisfy { log.starts("chunk-\($0)") == 1 })
            #expect(hold.wasCancelled)
        }
    }

    @Test(
        "a completion with added tasks from an attempt that does not hold the task writes nothing",
        arguments: TestDriver.allCases)
    func fencedAtTheDriver(driver: TestDriver) async throws {
        try await driver.withDatabase { client in
            let job = try await client.enqueue(NewTask(kind: "split", queue: Step.queue))
            let claimed = try await client.driver.taskClaim(
                .init(queue: Step.queue, limit: 1, workerID: "w", leaseDuration: .seconds(30)))
            #expect(claimed.count == 1)
            let added = try TaskGraph.inserts(for: [.step("x")], allowsExisting: true)
            let stale = try await client.driver.taskCompleteWithTasks(
                .init(id: job.taskIDs[0], attempt: 2, result: nil, tasks: added))
            #expect(stale == .notHeld)
            #expect(try await client.job(job.jobID)?.tasks.count == 1)
            // A name the job already has, or a dependency it lacks, refuses everything.
            let clash = try TaskGraph.inserts(for: [.step("y"), .step("y2", after: ["nobody"])], allowsExisting: true)
            let refused = try await client.driver.taskCompleteWithTasks(
                .init(id: job.taskIDs[0], attempt: 1, result: nil, tasks: clash))
            guard case .refused(let reason) = refused else {
                Issue.record("expected a refusal, got \(refused)")
                return
            }
            #expect(reason.contains("'nobody'"))
            #expect(try await client.task(job.taskIDs[0])?.state == .running)
            let written = try await client.driver.taskCompleteWithTasks(
                .init(id: job.taskIDs[0], attempt: 1, result: "1", tasks: added))
            guard case .written(let ids) = written else {
                Issue.record("expected the tasks written, got \(written)")
                return
            }
            #expect(ids.count == 1)
            let snapshot = try #require(try await client.job(job.jobID))
            #expect(snapshot.tasks.map(\.state) == [.completed, .available])
        }
    }
}

/// Holds a handler's first attempt until it is cancelled, and says so.
final class HoldFirstAttempt: Sendable {
    private let state = Mutex((holding: false, cancelled: false))

    var isHolding: Bool { state.withLock { $0.holding } }
    var wasCancelled: Bool { state.withLock { $0.cancelled } }

    func hold() async throws {
        state.withLock { $0.holding = true }
        do {
            try await Task.sleep(for: .seconds(600))
        } catch {
            state.withLock { $0.cancelled = true }
            throw error
        }
    }
}
