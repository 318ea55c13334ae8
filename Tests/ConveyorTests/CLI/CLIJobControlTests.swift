import Conveyor
import ConveyorTesting
import Foundation
import Testing

/// `jobs show` as a tree, `jobs watch`, `jobs cancel`, `jobs retry` and `tasks retry`, as real processes.
@Suite("CLI job control", .boundedParallelism, .timeLimit(.minutes(10)))
struct CLIJobControlTests {
    static func sleep(_ name: String, ms: Int = 1, after: [String] = []) -> NewTask {
        NewTask(kind: "sleep", input: #"{"ms":\#(ms)}"#, queue: "cli-jobs", name: name, dependsOn: after)
    }

    @Test("jobs show prints the tasks as a tree; cancel, retry and tasks retry act on it")
    func showCancelRetry() async throws {
        try await CLIDatabase.with { database, client in
            try await client.migrate()
            let job = try await client.enqueueJob(
                kind: "tree",
                tasks: [Self.sleep("text"), Self.sleep("chunk", after: ["text"]), Self.sleep("join", after: ["chunk"])])

            let show = try await CLIProcess.run(["jobs", "show", "\(job.jobID)"] + database.arguments)
            #expect(show.succeeded, "\(show)")
            #expect(
                show.stdout.contains("task \(job.taskIDs[0]) 'text' (sleep) on queue cli-jobs: available"), "\(show)")
            #expect(
                show.stdout.contains("  └ task \(job.taskIDs[1]) 'chunk' (sleep) on queue cli-jobs: blocked"), "\(show)"
            )
            #expect(show.stdout.contains("    └ task \(job.taskIDs[2]) 'join'"), "\(show)")
            #expect(show.stdout.contains("after:       'chunk'"), "\(show)")

            let cancel = try await CLIProcess.run(
                ["jobs", "cancel", "\(job.jobID)", "--reason", "changed my mind"] + database.arguments)
            #expect(cancel.succeeded, "\(cancel)")
            #expect(cancel.trimmedStdout == "cancelled 3 tasks of job \(job.jobID)", "\(cancel)")
            let cancelled = try #require(try await client.job(job.jobID))
            #expect(cancelled.tasks.allSatisfy { $0.state == .cancelled })
            #expect(cancelled.tasks[0].errors.last?.error == "cancelled: changed my mind")

            // A cancelled job ends the watch at once, with exit status 1.
            let watchCancelled = try await CLIProcess.run(["jobs", "watch", "\(job.jobID)"] + database.arguments)
            #expect(watchCancelled.status == 1, "\(watchCancelled)")
            #expect(watchCancelled.stdout.contains("cancelled: 3 tasks"), "\(watchCancelled)")

            let retry = try await CLIProcess.run(["jobs", "retry", "\(job.jobID)"] + database.arguments)
            #expect(retry.succeeded, "\(retry)")
            #expect(retry.trimmedStdout == "redrove 3 tasks of job \(job.jobID)", "\(retry)")
            #expect(try await client.job(job.jobID)?.tasks.map(\.state) == [.available, .blocked, .blocked])

            let notDead = try await CLIProcess.run(["tasks", "retry", "\(job.taskIDs[0])"] + database.arguments)
            CLIErrorTests.expectOneLineError(notDead, mentioning: ["is available", "discarded or cancelled"])
            let unknown = try await CLIProcess.run(["jobs", "cancel", "987654321"] + database.arguments)
            CLIErrorTests.expectOneLineError(unknown, mentioning: ["no job 987654321"])
        }
    }

    @Test("jobs watch follows a job to its end and exits 0 when it completed")
    func watch() async throws {
        try await CLIDatabase.with { database, client in
            try await client.migrate()
            let job = try await client.enqueueJob(
                kind: "watched", tasks: [Self.sleep("first", ms: 300), Self.sleep("second", ms: 300, after: ["first"])])
            let watcher = try CLIProcess(["jobs", "watch", "\(job.jobID)", "--interval", "50ms"] + database.arguments)
            let result = try await withBuiltins { registry in
                let worker = try Worker(
                    client: client, registry: registry,
                    configuration: .fast(queues: [QueueConfiguration("cli-jobs")]), logger: .test())
                return try await withRunningWorker(worker) { try await watcher.waitForExit(timeout: .seconds(60)) }
            }
            #expect(result.succeeded, "\(result)")
            #expect(result.stdout.contains("completed: 2 tasks"), "\(result)")
            // Every line it printed on the way is a plain line: no control codes on a pipe.
            #expect(!result.stdout.contains("\u{1B}"), "\(result)")
            #expect(result.stdout.split(separator: "\n").count >= 2, "\(result)")
        }
    }
}
