import Conveyor
import ConveyorTesting
import Testing

@Suite("Outcomes the database refuses", .boundedParallelism, .timeLimit(.minutes(10)))
struct RefusedOutcomeTests {
    @Test(
        "a refused outcome is isolated and discarded with the reason; the rest of its batch is written",
        arguments: TestDriver.allCases)
    func completerIsolatesRefusedOutcome(driver: TestDriver) async throws {
        try await driver.withDatabase { client in
            try await client.enqueueMany((0..<5).map { _ in Scripted(action: .succeed) })
            let claimed = try await client.driver.taskClaim(
                .init(queue: Scripted.queue, limit: 5, workerID: "w", leaseDuration: .seconds(60))
            )
            #expect(claimed.count == 5)
            let running = RunningTasks()
            for task in claimed { running.insert(task.id, attempt: task.attempt) }
            let completer = Completer(driver: client.driver, running: running, configuration: .init(), logger: .test())
            // The third result is not JSON: the database refuses the whole statement.
            for (index, task) in claimed.enumerated() {
                let result = index == 2 ? "not json" : #"{"ok":true}"#
                completer.submit(
                    TaskCompletion(id: task.id, attempt: task.attempt, outcome: .completed(result: result)))
            }
            completer.finish()
            await completer.run()

            #expect(running.count == 0)
            for (index, task) in claimed.enumerated() {
                let stored = try #require(try await client.task(task.id))
                if index == 2 {
                    #expect(stored.state == .discarded)
                    #expect(stored.errors.first?.error.hasPrefix("the outcome could not be stored") == true)
                } else {
                    #expect(stored.state == .completed)
                    #expect(sameJSON(stored.result, #"{"ok":true}"#))
                }
            }
        }
    }

    @Test(
        "an untyped handler's result that is not JSON discards its task, and other tasks complete",
        arguments: TestDriver.allCases)
    func untypedInvalidResult(driver: TestDriver) async throws {
        try await driver.withDatabase { client in
            var registry = TaskRegistry()
            registry.register(kind: "bad") { _, _ in "not json" }
            registry.register(kind: "good") { _, _ in #"[1,2]"# }
            let bad = try await client.enqueue(NewTask(kind: "bad", queue: Scripted.queue))
            let good = try await client.enqueueMany((0..<4).map { _ in NewTask(kind: "good", queue: Scripted.queue) })
            try await drain(client, registry: registry, configuration: .fast())
            let badTask = try #require(try await client.task(bad.taskIDs[0]))
            #expect(badTask.state == .discarded)
            #expect(badTask.errors.first?.error == "the handler of bad returned a result that is not valid JSON")
            for job in good {
                #expect(sameJSON(try await client.task(job.taskIDs[0])?.result, "[1,2]"))
            }
        }
    }

    @Test("a result over the size limit discards the task and says to use an artifact", arguments: TestDriver.allCases)
    func oversizedResult(driver: TestDriver) async throws {
        try await driver.withDatabase { client in
            var registry = TaskRegistry()
            registry.register(Scripted.self) { _, _ in String(repeating: "x", count: 70_000) }
            let job = try await client.enqueue(Scripted(action: .succeed))
            try await drain(client, registry: registry, configuration: .fast())
            let task = try #require(try await client.task(job.taskIDs[0]))
            #expect(task.state == .discarded)
            #expect(task.errors.first?.error.contains("store it as an artifact") == true)
        }
    }

    @Test("a batch enqueue with an idempotency key is refused with a message", arguments: TestDriver.allCases)
    func batchWithIdempotencyKey(driver: TestDriver) async throws {
        try await driver.withDatabase { client in
            await #expect(throws: ConveyorError.self) {
                try await client.enqueueMany([Scripted(action: .succeed)], options: .init(idempotencyKey: "k"))
            }
            let stats = try await client.queueStats()
            #expect(stats.isEmpty)
        }
    }
}
