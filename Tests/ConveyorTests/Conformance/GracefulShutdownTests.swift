import Conveyor
import ConveyorTesting
import ServiceLifecycle
import Testing

@Suite("Graceful shutdown", .boundedParallelism, .timeLimit(.minutes(10)))
struct GracefulShutdownTests {
    @Test(
        "running tasks finish within the deadline; those that cannot are released and completed by another worker",
        arguments: TestDriver.allCases)
    func finishesOrReleases(driver: TestDriver) async throws {
        try await driver.withDatabase { client in
            let short = try await client.enqueueMany(
                (0..<3).map { _ in Scripted(action: .sleep, milliseconds: 50) }, options: .init(maxAttempts: 1)
            )
            let long = try await client.enqueueMany(
                (0..<2).map { _ in Scripted(action: .sleep, milliseconds: 600_000) }, options: .init(maxAttempts: 1)
            )
            let log = ExecutionLog()
            let first = try Worker(
                client: client, registry: .scripted(log: log),
                configuration: .fast(shutdownDeadline: .seconds(2)), logger: .test()
            )
            try await withRunningWorker(first) {
                try await waitUntil("all five tasks started") { log.distinct == 5 }
            }
            // The worker has stopped: the short tasks finished, the long ones were handed back.
            for job in short {
                #expect(try await client.task(job.taskIDs[0])?.state == .completed)
            }
            for job in long {
                let task = try #require(try await client.task(job.taskIDs[0]))
                #expect(task.state == .available)
                #expect(task.workerID == nil)
                #expect(task.errors.isEmpty)
                // A released attempt does not count: the task still has an attempt left.
                #expect(task.maxAttempts > task.attempt)
            }
            #expect(try await client.workers().isEmpty)

            // Another worker whose handler completes at once picks the released tasks up.
            var quick = TaskRegistry()
            quick.register(Scripted.self) { _, _ in }
            try await drain(client, registry: quick, configuration: .fast())
            for job in long {
                #expect(try await client.task(job.taskIDs[0])?.state == .completed)
            }
        }
    }
}

@Suite("Shutdown racing a claim", .boundedParallelism, .timeLimit(.minutes(10)))
struct ShutdownRaceTests {
    @Test("tasks a claim returns after shutdown began are handed back, never run", arguments: TestDriver.allCases)
    func lateClaimIsReleased(driver: TestDriver) async throws {
        try await driver.withDatabase { client in
            let job = try await client.enqueue(Scripted(action: .succeed), options: .init(maxAttempts: 1))
            let gated = GatedClaimDriver(client.driver)
            let log = ExecutionLog()
            let worker = try Worker(
                client: ConveyorClient(driver: gated), registry: .scripted(log: log),
                configuration: .fast(shutdownDeadline: .seconds(5)), logger: .test()
            )
            let group = ServiceGroup(services: [worker], logger: .test())
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                try await waitUntil("a claim is held at the gate") { gated.heldClaims > 0 }
                await group.triggerGracefulShutdown()
                try await waitUntil("shutdown began") { worker.isShuttingDown }
                gated.open()
                try await tasks.waitForAll()
            }
            #expect(log.total == 0)
            let task = try #require(try await client.task(job.taskIDs[0]))
            #expect(task.state == .available)
            #expect(task.workerID == nil)
            #expect(task.maxAttempts > task.attempt)  // the released attempt does not count
            #expect(worker.heldCount == 0)
        }
    }
}

@Suite("Running tasks registry", .boundedParallelism, .timeLimit(.minutes(10)))
struct RunningTasksTests {
    @Test("an old attempt's outcome does not forget the task's new attempt")
    func removeMatchesAttempt() {
        let running = RunningTasks()
        running.insert(7, attempt: 1)
        running.insert(7, attempt: 2)  // claimed again before attempt 1's outcome was written
        running.remove(7, attempt: 1)
        #expect(running.ids == [7])
        running.remove(7, attempt: 2)
        #expect(running.ids.isEmpty)
    }

    @Test("a task claimed again by the same worker cancels the old attempt's handler")
    func newAttemptCancelsOld() async {
        let running = RunningTasks()
        running.insert(7, attempt: 1)
        let old = Task<String?, any Error> {
            try await Task.sleep(for: .seconds(600))
            return nil
        }
        running.attach(7, attempt: 1, handle: old, timeout: nil)
        running.insert(7, attempt: 2)
        let result = await old.result
        #expect(throws: CancellationError.self) { try result.get() }
        #expect(running.handlerFinished(7, attempt: 1) == .leaseLost)
        #expect(running.handlerFinished(7, attempt: 2) == nil)
    }
}
