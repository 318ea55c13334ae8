import Conveyor
import ConveyorSQLite
import ConveyorTesting
import Foundation
import Testing

/// The embedded default: `conveyor` on one machine with nothing to install.
@Suite("CLI on the embedded database", .boundedParallelism, .timeLimit(.minutes(10)))
struct CLIEmbeddedTests {
    static func temporaryDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("conveyor-embedded-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    @Test("with no database given, commands use ./.conveyor/conveyor.db, created on first use")
    func defaultDatabase() async throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let enqueued = try await CLIProcess.run(["enqueue", "sleep", #"{"ms": 1}"#], directory: directory)
        #expect(enqueued.succeeded, "\(enqueued)")
        #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent(".conveyor/conveyor.db").path))
        let id = try #require(enqueued.trimmedStdout.split(separator: " ").compactMap { Int($0) }.first, "\(enqueued)")
        let shown = try await CLIProcess.run(["jobs", "show", "\(id)"], directory: directory)
        #expect(shown.succeeded, "\(shown)")
        #expect(shown.stdout.contains("sleep"), "\(shown)")
    }

    @Test("conveyor dev --once completes the demo job, exits 0, and writes no control codes to a pipe")
    func devOnce() async throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try await CLIProcess.run(
            ["dev", "--once", "--port", "0"], directory: directory, timeout: .seconds(120))
        #expect(result.succeeded, "\(result)")
        // Split added a task per chunk and one that joined them into an artifact.
        #expect(result.stdout.contains("(demo.audiobook) completed: 9 tasks"), "\(result)")
        #expect(result.stdout.contains("demo.concatenate: completed"), "\(result)")
        let book = directory.appendingPathComponent(".conveyor/artifacts/objects/_/1/10/book.txt")
        #expect(FileManager.default.fileExists(atPath: book.path), "no artifact at \(book.path)")
        #expect(result.stdout.contains("2 retries"), "\(result)")
        #expect(!result.stdout.contains("\u{1B}"), "\(result)")
        #expect(!result.stdout.contains("\r"), "\(result)")
    }

    @Test("two conveyor work processes sharing one SQLite file run 5,000 tasks, each exactly once")
    func twoProcessesShareOneFile() async throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = "sqlite://" + directory.appendingPathComponent("shared.db").path
        let driver = try SQLiteDriver(url: SQLiteURL(url), logger: .test())
        let client = ConveyorClient(driver)
        try await client.migrate()
        let total = 5_000
        let jobs = try await client.enqueueMany((0..<total).map { _ in NewTask(kind: "sleep", input: #"{"ms": 0}"#) })

        let workers = try (0..<2).map { _ in
            try CLIProcess(["work", "--database", url, "--concurrency", "10", "--poll-interval", "50ms"])
        }
        defer { for worker in workers { worker.killIfRunning() } }
        try await waitUntil("5,000 tasks completed", timeout: .seconds(150), every: .milliseconds(200)) {
            try await client.queueStats().first?.completedToday == total
        }
        for worker in workers { worker.signal(SIGTERM) }
        for worker in workers {
            let result = try await worker.waitForExit()
            #expect(result.succeeded, "\(result)")
        }

        // A task claimed twice would show a second attempt: every claim counts one.
        var attempts: [Int: Int] = [:]
        for job in jobs {
            let task = try #require(try await client.task(job.taskIDs[0]))
            #expect(task.state == .completed)
            attempts[task.attempt, default: 0] += 1
        }
        #expect(attempts == [1: total])
        await driver.close()
    }
}
