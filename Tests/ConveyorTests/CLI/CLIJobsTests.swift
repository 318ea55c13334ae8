import Conveyor
import ConveyorTesting
import Foundation
import Testing

/// `migrate`, `enqueue` and `jobs show` against a real database.
@Suite("CLI enqueue and jobs", .boundedParallelism, .timeLimit(.minutes(10)))
struct CLIJobsTests {
    @Test("migrate, then enqueue sleep, then jobs show displays it")
    func migrateEnqueueShow() async throws {
        try await CLIDatabase.with { database, client in
            let migrate = try await CLIProcess.run(["migrate"] + database.arguments)
            #expect(migrate.succeeded, "\(migrate)")
            #expect(migrate.stdout.contains("migrated from version 0 to"), "\(migrate)")
            let again = try await CLIProcess.run(["migrate"], environment: database.environment)
            #expect(again.stdout.contains("up to date"), "\(again)")

            let enqueue = try await CLIProcess.run(
                ["enqueue", "sleep", #"{"ms":1}"#, "--queue", "cli", "--priority", "high", "--max-attempts", "3"]
                    + database.arguments)
            #expect(enqueue.succeeded, "\(enqueue)")
            let id = try #require(Int64(enqueue.trimmedStdout), "\(enqueue)")
            let stored = try #require(try await client.job(JobID(id)))
            #expect(stored.kind == "sleep")
            #expect(stored.tasks.map(\.queue) == ["cli"])
            #expect(stored.tasks.map(\.priority) == [.high])
            #expect(stored.tasks.map(\.maxAttempts) == [3])

            let show = try await CLIProcess.run(["jobs", "show", "\(id)"] + database.arguments)
            #expect(show.succeeded, "\(show)")
            #expect(show.stdout.contains("job \(id) (sleep): queued"), "\(show)")
            #expect(show.stdout.contains("on queue cli: available"), "\(show)")
            #expect(show.stdout.contains("0/3"), "\(show)")
            #expect(show.stdout.contains("-10 (high)"), "\(show)")
            #expect(show.stdout.contains(#""ms""#), "\(show)")

            let json = try await CLIProcess.run(["jobs", "show", "\(id)", "--json"] + database.arguments)
            #expect(json.succeeded, "\(json)")
            let report = try JSONDecoder().decode(ShownJob.self, from: Data(json.stdout.utf8))
            #expect(report.id == id)
            #expect(report.state == "queued")
            #expect(report.tasks.map(\.state) == ["available"])
            #expect(report.tasks.map(\.input.ms) == [1])
        }
    }

    @Test("a repeated idempotency key prints the same job and says nothing was added")
    func idempotencyKey() async throws {
        try await CLIDatabase.with { database, client in
            #expect(try await CLIProcess.run(["migrate"] + database.arguments).succeeded)
            let arguments =
                ["enqueue", "sleep", "{}", "--idempotency-key", "once", "--owner", "ada"] + database.arguments
            let first = try await CLIProcess.run(arguments)
            let second = try await CLIProcess.run(arguments)
            #expect(first.succeeded && second.succeeded, "\(first)\n\(second)")
            #expect(first.trimmedStdout == second.trimmedStdout)
            #expect(first.stderr.isEmpty, "\(first)")
            #expect(second.stderr.contains("already has idempotency key 'once'"), "\(second)")
            let stats = try await client.queueStats()
            #expect(stats.map(\.available) == [1])
        }
    }

    @Test("commands on a schema that was never migrated say to run migrate")
    func notMigrated() async throws {
        try await CLIDatabase.with { database, _ in
            let result = try await CLIProcess.run(["enqueue", "sleep", "{}"] + database.arguments)
            CLIErrorTests.expectOneLineError(result, mentioning: ["conveyor migrate", database.schema])
        }
    }

    @Test("jobs show for an unknown id says there is no such job")
    func unknownJob() async throws {
        try await CLIDatabase.with { database, _ in
            #expect(try await CLIProcess.run(["migrate"] + database.arguments).succeeded)
            let result = try await CLIProcess.run(["jobs", "show", "987654321"] + database.arguments)
            CLIErrorTests.expectOneLineError(result, mentioning: ["no job 987654321"])
        }
    }

    @Test("an invalid schema name is refused before connecting")
    func invalidSchema() async throws {
        let result = try await CLIProcess.run(
            ["stats", "--database", "postgres://127.0.0.1:1/app", "--schema", "Robert'); DROP TABLE"])
        CLIErrorTests.expectOneLineError(result, mentioning: ["schema name"])
    }
}

/// The parts of `jobs show --json` the tests read.
struct ShownJob: Decodable {
    struct Task: Decodable {
        struct Input: Decodable { var ms: Int? }
        struct Result: Decodable {
            var status: Int
            var body: String
        }
        var state: String
        var attempt: Int
        var input: Input
        var result: Result?
    }
    var id: Int64
    var state: String
    var tasks: [Task]
}
