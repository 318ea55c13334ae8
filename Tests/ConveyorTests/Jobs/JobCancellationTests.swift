import Conveyor
import ConveyorTesting
import Foundation
import Testing

@Suite("Job cancellation", .boundedParallelism, .timeLimit(.minutes(10)))
struct JobCancellationTests {
    @Test(
        "cancelling a job cancels waiting tasks at once and a running handler soon after; its late outcome changes nothing",
        arguments: TestDriver.allCases)
    func cancel(driver: TestDriver) async throws {
        try await driver.withDatabase { client in
            let log = StepLog()
            let job = try await client.enqueueJob(
                kind: "long",
                tasks: [
                    .step("runner", .wait), .step("next", after: ["runner"]),
                    NewTask(kind: "step", input: #"{"label":"elsewhere"}"#, queue: "unserved", name: "elsewhere"),
                ])
            let worker = try Worker(
                client: client, registry: .steps(log: log), configuration: .steps(), logger: .test())
            try await withRunningWorker(worker) {
                try await waitUntil("the runner started") { log.starts("runner") == 1 }
                #expect(try await client.cancelJob(job.jobID, reason: "user asked") == 3)
                // Waiting tasks are cancelled by the call itself, and so is the running one in the database.
                let cancelled = try #require(try await client.job(job.jobID))
                #expect(cancelled.tasks.map(\.state) == [.cancelled, .cancelled, .cancelled])
                #expect(cancelled.state == .cancelled)
                #expect(cancelled.tasks.allSatisfy { $0.errors.last?.error == "cancelled: user asked" })
                try await waitUntil("the handler saw the cancellation", timeout: .seconds(20)) {
                    log.contains(.cancelled("runner"))
                }
            }
            let after = try #require(try await client.job(job.jobID))
            #expect(after.tasks.map(\.state) == [.cancelled, .cancelled, .cancelled])
            #expect(after.tasks[0].attempt == 1)
            #expect(after.tasks[0].errors.count == 1)
            #expect(log.starts("next") == 0)
            // Cancelling again finds nothing left to cancel.
            #expect(try await client.cancelJob(job.jobID) == 0)
            await #expect(throws: ConveyorError.self) { try await client.cancelJob(JobID(987_654_321)) }
        }
    }
}
