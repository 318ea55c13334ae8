import Conveyor
import ConveyorTesting
import Foundation
import NIOHTTP1
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `conveyor work` as a real child process.
@Suite("CLI work", .boundedParallelism, .timeLimit(.minutes(10)))
struct CLIWorkTests {
    /// Fast timings, so the tests wait on events in milliseconds rather than seconds.
    static let fast = ["--poll-interval", "100ms", "--rescue-interval", "200ms", "--promote-interval", "50ms"]

    @Test("work runs an enqueued task to completion and exits 0 on SIGTERM")
    func runsAndStopsOnSIGTERM() async throws {
        try await CLIDatabase.with { database, client in
            #expect(try await CLIProcess.run(["migrate"] + database.arguments).succeeded)
            let enqueue = try await CLIProcess.run(["enqueue", "sleep", #"{"ms":1}"#] + database.arguments)
            let id = JobID(try #require(Int64(enqueue.trimmedStdout), "\(enqueue)"))

            let worker = try CLIProcess(["work"] + Self.fast, environment: database.environment)
            defer { worker.killIfRunning() }
            try await waitUntil("the job completes") { try await client.job(id)?.state == .completed }
            try await waitUntil("the worker is registered") { try await !client.workers().isEmpty }

            worker.signal(SIGTERM)
            let result = try await worker.waitForExit()
            #expect(result.succeeded, "\(result)")
            #expect(result.stderr.contains("worker stopped"), "\(result)")
            #expect(try await client.workers().isEmpty)

            let show = try await CLIProcess.run(["jobs", "show", "\(id)", "--json"] + database.arguments)
            let report = try JSONDecoder().decode(ShownJob.self, from: Data(show.stdout.utf8))
            #expect(report.state == "completed")
            #expect(report.tasks.map(\.attempt) == [1])
        }
    }

    @Test("on SIGINT a task still running past the shutdown deadline is handed back, and work exits 0")
    func handsBackOnShutdown() async throws {
        try await CLIDatabase.with { database, client in
            #expect(try await CLIProcess.run(["migrate"] + database.arguments).succeeded)
            let job = try await client.enqueue(NewTask(kind: "sleep", input: #"{"ms": 600000}"#))
            let worker = try CLIProcess(["work", "--shutdown-deadline", "200ms"] + database.arguments)
            defer { worker.killIfRunning() }
            try await waitUntil("the task runs") { try await client.task(job.taskIDs[0])?.state == .running }

            worker.signal(SIGINT)
            let result = try await worker.waitForExit()
            #expect(result.succeeded, "\(result)")
            let task = try #require(try await client.task(job.taskIDs[0]))
            #expect(task.state == .available)
            #expect(task.errors.isEmpty)
        }
    }

    @Test("work runs http tasks on hosts allowed by CONVEYOR_HTTP_ALLOW_HOSTS")
    func runsHTTPTasks() async throws {
        try await CLIDatabase.with { database, client in
            try await TestHTTPServer.with({ _, _ in TestResponse(status: .ok, body: "pong") }) { server in
                let worker = try CLIProcess(
                    ["work", "--migrate", "--queues", "default,hooks:2"] + Self.fast,
                    environment: database.environment.merging(["CONVEYOR_HTTP_ALLOW_HOSTS": "localhost, 127.0.0.1"]) {
                        $1
                    })
                defer { worker.killIfRunning() }
                try await waitUntil("the worker is registered") {
                    (try? await client.workers().isEmpty == false) ?? false
                }
                let enqueue = try await CLIProcess.run(
                    ["enqueue", "http", #"{"url": "\#(server.url("/ping"))"}"#, "--queue", "hooks"]
                        + database.arguments)
                let id = JobID(try #require(Int64(enqueue.trimmedStdout), "\(enqueue)"))
                try await waitUntil("the http job finishes") { try await client.job(id)?.finishedAt != nil }

                let show = try await CLIProcess.run(["jobs", "show", "\(id)", "--json"] + database.arguments)
                let report = try JSONDecoder().decode(ShownJob.self, from: Data(show.stdout.utf8))
                #expect(report.state == "completed", "\(show)")
                #expect(report.tasks.first?.result?.status == 200)
                #expect(report.tasks.first?.result?.body == "pong")
                #expect(server.requests.map(\.uri) == ["/ping"])

                worker.signal(SIGTERM)
                let result = try await worker.waitForExit()
                #expect(result.succeeded, "\(result)")
            }
        }
    }

    @Test("work on a schema that was never migrated says to run migrate")
    func refusesUnmigratedSchema() async throws {
        try await CLIDatabase.with { database, _ in
            let result = try await CLIProcess.run(["work"] + database.arguments)
            #expect(!result.succeeded, "\(result)")
            #expect(result.stderrLines.last?.hasPrefix("conveyor: ") == true, "\(result)")
            #expect(result.stderrLines.last?.contains("conveyor migrate") == true, "\(result)")
        }
    }
}
