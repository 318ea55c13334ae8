import Conveyor
import ConveyorTesting
import Foundation
import Testing

@Suite("Task lifecycle", .boundedParallelism, .timeLimit(.minutes(10)))
struct LifecycleTests {
    @Test("a task runs once, completes and keeps its result", arguments: TestDriver.allCases)
    func completes(driver: TestDriver) async throws {
        try await driver.withDatabase { client in
            let log = ExecutionLog()
            let job = try await client.enqueue(Scripted(action: .echo, text: "hello"))
            #expect(job.jobID.rawValue == job.taskIDs[0].rawValue)
            let queued = try #require(try await client.job(job.jobID))
            #expect(queued.state == .queued)
            #expect(queued.tasks.map(\.state) == [.available])

            try await drain(client, registry: .scripted(log: log), configuration: .fast())

            let done = try #require(try await client.job(job.jobID))
            #expect(done.state == .completed)
            let task = try #require(done.tasks.first)
            #expect(task.state == .completed)
            #expect(task.attempt == 1)
            #expect(task.finishedAt != nil)
            #expect(task.workerID == nil)
            let result = try JSONDecoder().decode(Echo.self, from: Data(try #require(task.result).utf8))
            #expect(result == Echo(text: "hello", attempt: 1))
            #expect(log.count(task.id) == 1)
        }
    }

    @Test(
        "a failing task retries with backoff until it succeeds, keeping each attempt's error",
        arguments: TestDriver.allCases)
    func retriesUntilSuccess(driver: TestDriver) async throws {
        try await driver.withDatabase { client in
            let log = ExecutionLog()
            let job = try await client.enqueue(Scripted(action: .failUntilLastAttempt, failuresBeforeSuccess: 2))
            try await drain(client, registry: .scripted(log: log), configuration: .fast())
            let task = try #require(try await client.task(job.taskIDs[0]))
            #expect(task.state == .completed)
            #expect(task.attempt == 3)
            #expect(task.errors.map(\.attempt) == [1, 2])
            #expect(task.errors.allSatisfy { $0.error.contains("scripted failure") && $0.worker != nil })
            #expect(log.count(task.id) == 3)
        }
    }

    @Test("a task that always fails is discarded after max attempts", arguments: TestDriver.allCases)
    func discardsAfterMaxAttempts(driver: TestDriver) async throws {
        try await driver.withDatabase { client in
            let log = ExecutionLog()
            let job = try await client.enqueue(Scripted(action: .failAlways), options: .init(maxAttempts: 3))
            try await drain(client, registry: .scripted(log: log), configuration: .fast())
            let done = try #require(try await client.job(job.jobID))
            #expect(done.state == .failed)
            let task = try #require(done.tasks.first)
            #expect(task.state == .discarded)
            #expect(task.attempt == 3)
            #expect(task.errors.count == 3)
            #expect(log.count(task.id) == 3)
        }
    }

    @Test("a non-retryable error discards the task at once", arguments: TestDriver.allCases)
    func nonRetryable(driver: TestDriver) async throws {
        try await driver.withDatabase { client in
            let log = ExecutionLog()
            let job = try await client.enqueue(Scripted(action: .discard))
            try await drain(client, registry: .scripted(log: log), configuration: .fast())
            let task = try #require(try await client.task(job.taskIDs[0]))
            #expect(task.state == .discarded)
            #expect(task.attempt == 1)
            #expect(task.errors.map(\.error) == ["input says no"])
        }
    }

    @Test("a snoozed task runs again later without using up an attempt", arguments: TestDriver.allCases)
    func snooze(driver: TestDriver) async throws {
        try await driver.withDatabase { client in
            let log = ExecutionLog()
            let job = try await client.enqueue(Scripted(action: .snoozeOnce), options: .init(maxAttempts: 1))
            try await drain(client, registry: .scripted(log: log), configuration: .fast())
            let task = try #require(try await client.task(job.taskIDs[0]))
            #expect(task.state == .completed)
            #expect(task.errors.isEmpty)
            #expect(log.count(task.id) == 2)
        }
    }

    @Test("undecodable input is discarded with the reason, never retried", arguments: TestDriver.allCases)
    func undecodableInput(driver: TestDriver) async throws {
        try await driver.withDatabase { client in
            let log = ExecutionLog()
            let job = try await client.enqueue(
                NewTask(kind: Scripted.name, input: #"{"action": 42}"#, queue: Scripted.queue))
            try await drain(client, registry: .scripted(log: log), configuration: .fast())
            let task = try #require(try await client.task(job.taskIDs[0]))
            #expect(task.state == .discarded)
            #expect(task.attempt == 1)
            #expect(task.errors.first?.error.contains("could not be decoded") == true)
            #expect(log.total == 0)
        }
    }

    @Test("an unknown task kind is discarded with the reason", arguments: TestDriver.allCases)
    func unknownKind(driver: TestDriver) async throws {
        try await driver.withDatabase { client in
            let job = try await client.enqueue(NewTask(kind: "no-such-kind", queue: Scripted.queue))
            try await drain(client, registry: .scripted(log: ExecutionLog()), configuration: .fast())
            let task = try #require(try await client.task(job.taskIDs[0]))
            #expect(task.state == .discarded)
            #expect(task.errors.first?.error.contains("no handler is registered for task kind 'no-such-kind'") == true)
        }
    }

    @Test("a delayed task waits for its time, then runs", arguments: TestDriver.allCases)
    func delayed(driver: TestDriver) async throws {
        try await driver.withDatabase { client in
            let log = ExecutionLog()
            let runAt = Date().addingTimeInterval(1)
            let job = try await client.enqueue(Scripted(action: .succeed), options: .init(runAt: runAt))
            #expect(try await client.task(job.taskIDs[0])?.state == .scheduled)
            try await drain(client, registry: .scripted(log: log), configuration: .fast())
            let task = try #require(try await client.task(job.taskIDs[0]))
            #expect(task.state == .completed)
            #expect(try #require(task.attemptedAt) >= runAt.addingTimeInterval(-0.05))
        }
    }

    @Test("higher priority runs first; equal priority runs oldest first", arguments: TestDriver.allCases)
    func priorityOrder(driver: TestDriver) async throws {
        try await driver.withDatabase { client in
            let low = try await client.enqueue(Scripted(action: .succeed), options: .init(priority: .low))
            let normal1 = try await client.enqueue(Scripted(action: .succeed))
            let normal2 = try await client.enqueue(Scripted(action: .succeed))
            let high = try await client.enqueue(Scripted(action: .succeed), options: .init(priority: .high))
            try await drain(
                client, registry: .scripted(log: ExecutionLog()),
                configuration: .fast(queues: [QueueConfiguration(Scripted.queue, concurrency: 1)])
            )
            var started: [(TaskID, Date)] = []
            for id in [low, normal1, normal2, high].map({ $0.taskIDs[0] }) {
                started.append((id, try #require(try await client.task(id)?.attemptedAt)))
            }
            let order = started.sorted { $0.1 < $1.1 }.map(\.0)
            #expect(order == [high, normal1, normal2, low].map { $0.taskIDs[0] })
        }
    }
}
