import Conveyor
import ConveyorTesting
import Foundation
import Testing

/// What a running worker takes from a queue's settings besides limits.
@Suite("Flow control settings in a running worker", .boundedParallelism, .timeLimit(.minutes(10)))
struct FlowWorkerTests {
    @Test(
        "a queue's timeout and max-attempts cap, set in the database, apply to its tasks",
        arguments: TestDriver.allCases)
    func timeoutAndMaxAttempts(driver: TestDriver) async throws {
        try await driver.withDatabase { client in
            try await client.setQueue(QueueSettings(Scripted.queue, timeout: .milliseconds(200), maxAttempts: 2))
            let slow = try await client.enqueue(Scripted(action: .sleep, milliseconds: 60_000))
            let failing = try await client.enqueue(Scripted(action: .failAlways))
            try await drain(client, registry: .scripted(log: ExecutionLog()), configuration: .fast())
            let timedOut = try #require(try await client.task(slow.taskIDs[0]))
            #expect(timedOut.state == .discarded)
            #expect(timedOut.attempt == 2)
            #expect(timedOut.errors.allSatisfy { $0.error.contains("timed out after") }, "\(timedOut.errors)")
            let failed = try #require(try await client.task(failing.taskIDs[0]))
            #expect(failed.state == .discarded)
            #expect(failed.attempt == 2)
            #expect(failed.maxAttempts == TaskDefaults.maxAttempts)
        }
    }

    @Test(
        "a paused queue starts nothing while its running task finishes; resumed, the rest run",
        arguments: TestDriver.allCases)
    func pauseAndResume(driver: TestDriver) async throws {
        try await driver.withDatabase { client in
            let gate = Gate()
            let log = ExecutionLog()
            var registry = TaskRegistry()
            registry.register(kind: "gated") { _, context in
                log.record(context.taskID)
                await gate.wait()
                return nil
            }
            let first = try await client.enqueue(NewTask(kind: "gated", queue: "p"))
            var configuration = WorkerConfiguration.fast(queues: [QueueConfiguration("p", concurrency: 4)])
            configuration.pollInterval = .milliseconds(50)
            let worker = try Worker(client: client, registry: registry, configuration: configuration, logger: .test())
            try await withRunningWorker(worker) {
                try await waitUntil("the first task runs") { log.count(first.taskIDs[0]) == 1 }
                // Every claim, fast or limited, leaves a paused queue alone, so what is enqueued
                // now stays waiting whatever the worker knows of the pause.
                try await client.pauseQueue("p")
                let rest = try await client.enqueueMany((0..<3).map { _ in NewTask(kind: "gated", queue: "p") })
                gate.open()
                try await waitUntil("the running task completed") {
                    try await client.task(first.taskIDs[0])?.state == .completed
                }
                let probe = try await client.driver.taskClaimLimited(
                    .init(queue: "p", limit: 10, workerID: "probe", leaseDuration: .seconds(30)))
                #expect(probe.paused && probe.tasks.isEmpty)
                for job in rest { #expect(try await client.task(job.taskIDs[0])?.state == .available) }
                try await client.resumeQueue("p")
                try await waitUntil("the rest completed after resuming") {
                    try await rest.asyncMap { try await client.task($0.taskIDs[0])?.state }.allSatisfy {
                        $0 == .completed
                    }
                }
            }
        }
    }
}
