import Conveyor
import ConveyorBuiltins
import ConveyorTesting
import Foundation
import Testing

@Suite("Built-in sleep task", .boundedParallelism, .timeLimit(.minutes(10)))
struct SleepTaskTests {
    @Test("sleep completes, with or without a duration", arguments: TestDriver.allCases)
    func completes(driver: TestDriver) async throws {
        try await driver.withDatabase { client in
            let jobs = try await client.enqueueMany([
                NewTask(kind: "sleep", input: #"{"ms": 5}"#),
                NewTask(kind: "sleep", input: "{}"),
                NewTask(kind: "sleep", input: #"{"ms": 0, "failRate": 0}"#),
            ])
            try await withBuiltins { registry in
                try await drain(client, registry: registry, configuration: .builtins())
            }
            for job in jobs {
                let task = try #require(try await client.task(job.taskIDs[0]))
                #expect(task.state == .completed)
                #expect(task.attempt == 1)
                #expect(task.result == nil)
            }
        }
    }

    @Test("sleep with failRate 1 retries, then is discarded at max attempts", arguments: TestDriver.allCases)
    func failsUntilDiscarded(driver: TestDriver) async throws {
        try await driver.withDatabase { client in
            let job = try await client.enqueue(NewTask(kind: "sleep", input: #"{"failRate": 1}"#, maxAttempts: 3))
            try await withBuiltins { registry in
                try await drain(client, registry: registry, configuration: .builtins())
            }
            let task = try #require(try await client.task(job.taskIDs[0]))
            #expect(task.state == .discarded)
            #expect(task.attempt == 3)
            #expect(task.errors.map(\.attempt) == [1, 2, 3])
            #expect(task.errors.allSatisfy { $0.error.contains("simulated failure") })
        }
    }

    @Test(
        "sleep discards input no retry can fix",
        arguments: [
            (#"{"ms": -1}"#, "ms must be 0 or more"),
            (#"{"failRate": 2}"#, "failRate must be between 0 and 1"),
            (#"{"ms": "soon"}"#, "could not be decoded"),
        ])
    func discardsBadInput(input: String, reason: String) async throws {
        try await TestDriver.postgres.withDatabase { client in
            let job = try await client.enqueue(NewTask(kind: "sleep", input: input))
            try await withBuiltins { registry in
                try await drain(client, registry: registry, configuration: .builtins())
            }
            let task = try #require(try await client.task(job.taskIDs[0]))
            #expect(task.state == .discarded)
            #expect(task.attempt == 1)
            #expect(task.errors.last?.error.contains(reason) == true, "\(task.errors)")
        }
    }

    @Test("a long sleep ends on cancellation: shutdown hands the task back", arguments: TestDriver.allCases)
    func honoursCancellation(driver: TestDriver) async throws {
        try await driver.withDatabase { client in
            let job = try await client.enqueue(NewTask(kind: "sleep", input: #"{"ms": 600000}"#))
            try await withBuiltins { registry in
                let worker = try Worker(
                    client: client, registry: registry,
                    configuration: .builtins(shutdownDeadline: .milliseconds(100)),
                    logger: .test())
                try await withRunningWorker(worker) {
                    try await waitUntil("the sleep task runs") {
                        try await client.task(job.taskIDs[0])?.state == .running
                    }
                }
            }
            let task = try #require(try await client.task(job.taskIDs[0]))
            #expect(task.state == .available)
            #expect(task.errors.isEmpty)
        }
    }
}
