import Conveyor
import ConveyorTesting
import Testing

@Suite("Progress", .boundedParallelism, .timeLimit(.minutes(10)))
struct ProgressTests {
    @Test(
        "a running handler's progress is stored and readable, and counts toward its job's progress",
        arguments: TestDriver.allCases)
    func reportsProgress(driver: TestDriver) async throws {
        try await driver.withDatabase { client in
            let reported = Gate()
            let release = Gate()
            var registry = TaskRegistry()
            registry.register(Scripted.self) { _, context in
                try await context.reportProgress(40, message: "chunk 2 of 5")
                reported.open()
                await release.wait()
            }
            let job = try await client.enqueueJob(
                kind: "two-steps",
                tasks: [
                    NewTask(kind: Scripted.name, input: #"{"action":"succeed"}"#, queue: Scripted.queue),
                    NewTask(kind: "other", queue: "elsewhere"),
                ]
            )
            let worker = try Worker(client: client, registry: registry, configuration: .fast(), logger: .test())
            try await withRunningWorker(worker) {
                await reported.wait()
                let running = try #require(try await client.task(job.taskIDs[0]))
                #expect(running.state == .running)
                #expect(running.progress == 40)
                #expect(running.progressMessage == "chunk 2 of 5")
                let snapshot = try #require(try await client.job(job.jobID))
                #expect(abs(snapshot.progress - 0.2) < 0.0001)
                release.open()
                try await waitUntil("task completed") { try await client.task(job.taskIDs[0])?.state == .completed }
            }
            let snapshot = try #require(try await client.job(job.jobID))
            #expect(abs(snapshot.progress - 0.5) < 0.0001)
        }
    }

    @Test("progress from an attempt that lost its task is not stored", arguments: TestDriver.allCases)
    func fencedProgress(driver: TestDriver) async throws {
        try await driver.withDatabase { client in
            let job = try await client.enqueue(Scripted(action: .succeed))
            let stored = try await client.driver.taskReportProgress(
                .init(id: job.taskIDs[0], attempt: 1, percent: 50, message: nil)
            )
            #expect(!stored)  // the task is available, not running under attempt 1
            #expect(try await client.task(job.taskIDs[0])?.progress == nil)
        }
    }
}
