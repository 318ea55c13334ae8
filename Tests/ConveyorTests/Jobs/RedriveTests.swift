import Conveyor
import ConveyorTesting
import Foundation
import Synchronization
import Testing

@Suite("Retry and redrive", .boundedParallelism, .timeLimit(.minutes(10)))
struct RedriveTests {
    /// `flaky` fails while the switch is off.
    static func registry(log: StepLog, healthy: Switch) -> TaskRegistry {
        var registry = TaskRegistry.steps(log: log)
        registry.register(kind: "flaky", retryPolicy: RetryPolicy(initial: .milliseconds(5), jitter: 0)) { _, context in
            log.record(.start("flaky"))
            guard healthy.isOn else { throw ScriptedFailure(attempt: context.attempt) }
            return "\"fixed\""
        }
        return registry
    }

    @Test(
        "retrying a failed job runs its discarded and cancelled tasks again with a fresh attempt budget",
        arguments: TestDriver.allCases)
    func retryJob(driver: TestDriver) async throws {
        try await driver.withDatabase { client in
            let log = StepLog()
            let healthy = Switch()
            let job = try await client.enqueueJob(
                kind: "redrive",
                tasks: [
                    NewTask(kind: "flaky", queue: Step.queue, maxAttempts: 2, name: "flaky"), .step("done"),
                    .step("after", after: ["flaky", "done"]),
                ])
            let registry = Self.registry(log: log, healthy: healthy)
            try await drain(client, registry: registry, configuration: .steps())
            let failed = try #require(try await client.job(job.jobID))
            #expect(failed.state == .failed)
            #expect(failed.tasks.map(\.state) == [.discarded, .completed, .cancelled])

            healthy.turnOn()
            #expect(try await client.retryJob(job.jobID) == 2)
            let redriven = try #require(try await client.job(job.jobID))
            #expect(redriven.tasks.map(\.state) == [.available, .completed, .blocked])
            #expect(redriven.tasks[0].maxAttempts == 4)
            #expect(redriven.tasks[0].redrivenAt != nil)
            #expect(redriven.tasks[0].finishedAt == nil)

            try await drain(client, registry: registry, configuration: .steps())
            let done = try #require(try await client.job(job.jobID))
            #expect(done.state == .completed)
            #expect(done.tasks[0].attempt == 3)
            #expect(done.tasks[0].errors.count == 2)
            #expect(log.starts("after") == 1)
            #expect(try await client.retryJob(job.jobID) == 0)
        }
    }

    @Test(
        "retrying a dead-lettered task runs it, and what was cancelled because of it, again",
        arguments: TestDriver.allCases)
    func retryTask(driver: TestDriver) async throws {
        try await driver.withDatabase { client in
            let log = StepLog()
            let healthy = Switch()
            let registry = Self.registry(log: log, healthy: healthy)
            let single = try await client.enqueue(NewTask(kind: "flaky", queue: Step.queue, maxAttempts: 1))
            let job = try await client.enqueueJob(
                kind: "chain",
                tasks: [
                    NewTask(kind: "flaky", queue: Step.queue, maxAttempts: 1, name: "flaky"),
                    .step("child", after: ["flaky"]),
                ])
            try await drain(client, registry: registry, configuration: .steps())
            #expect(try await client.task(single.taskIDs[0])?.state == .discarded)

            healthy.turnOn()
            #expect(try await client.retryTask(single.taskIDs[0]) == 1)
            #expect(try await client.retryTask(job.taskIDs[0]) == 2)
            try await drain(client, registry: registry, configuration: .steps())
            #expect(try await client.task(single.taskIDs[0])?.state == .completed)
            #expect(try await client.job(job.jobID)?.state == .completed)

            let notDead = await #expect(throws: ConveyorError.self) { try await client.retryTask(single.taskIDs[0]) }
            #expect(notDead?.code == .invalidInput)
            #expect(notDead?.message.contains("completed") == true)
            let missing = await #expect(throws: ConveyorError.self) { try await client.retryTask(TaskID(987_654_321)) }
            #expect(missing?.code == .notFound)
        }
    }
}

/// A flag a test flips while handlers read it.
final class Switch: Sendable {
    private let on = Mutex(false)
    var isOn: Bool { on.withLock { $0 } }
    func turnOn() { on.withLock { $0 = true } }
}
