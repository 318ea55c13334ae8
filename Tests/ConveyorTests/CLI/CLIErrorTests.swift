import Foundation
import Testing

/// Bad input to `conveyor` gets one line on stderr that says what to fix, and a non-zero exit.
@Suite("CLI errors", .boundedParallelism, .timeLimit(.minutes(10)))
struct CLIErrorTests {
    /// Checks the shape every error must have: failed, one line, no usage dump, no stack trace.
    static func expectOneLineError(_ result: CLIResult, mentioning fragments: [String]) {
        #expect(!result.succeeded, "\(result)")
        #expect(result.stderrLines.count == 1, "\(result)")
        #expect(result.stderr.hasPrefix("conveyor: "), "\(result)")
        #expect(!result.stderr.contains("Usage:"), "\(result)")
        for fragment in fragments {
            #expect(result.stderr.contains(fragment), "expected '\(fragment)' in: \(result)")
        }
    }

    @Test(
        "a malformed database URL says what is wrong with it",
        arguments: [
            ("mysql://root@127.0.0.1/app", "has an unknown scheme: use sqlite:///path/to/file.db or postgres://"),
            ("sqlite://", "has no file path"),
            ("sqlite:///proc/no-such-dir/conveyor.db", "cannot create database at /proc/no-such-dir/conveyor.db"),
            ("postgres://", "has no host"),
            ("postgres://127.0.0.1/app?sslmode=sometimes", "sslmode 'sometimes'"),
        ])
    func malformedURL(url: String, message: String) async throws {
        let result = try await CLIProcess.run(["stats", "--database", url])
        Self.expectOneLineError(result, mentioning: [message])
    }

    @Test("an unreachable server is a clear message, with the password hidden")
    func unreachableServer() async throws {
        let port = try await freeLoopbackPort()
        let result = try await CLIProcess.run(
            ["migrate"], environment: ["CONVEYOR_DATABASE_URL": "postgres://postgres:hunter2@127.0.0.1:\(port)/app"],
            timeout: .seconds(30))
        Self.expectOneLineError(result, mentioning: ["cannot connect to PostgreSQL", "127.0.0.1:\(port)"])
        #expect(!result.stderr.contains("hunter2"))
    }

    @Test(
        "invalid flag values are one line naming the flag",
        arguments: [
            (["work", "--concurrency", "many"], "--concurrency"),
            (["work", "--concurrency", "0"], "--concurrency must be at least 1"),
            (["work", "--lease-duration", "soon"], "--lease-duration"),
            (["work", "--poll-interval", "-5"], "--poll-interval"),
            (["work", "--queues", "email:none"], "email:none"),
            (["work", "--log-level", "loud"], "--log-level"),
            (["work", "--http-allow", "https://api.example.com/hook"], "allowed host"),
            (["enqueue", "sleep", "{}", "--priority", "urgent"], "--priority"),
            (["enqueue", "sleep", "{}", "--run-at", "tomorrow"], "--run-at"),
            (["enqueue", "sleep", "{}", "--max-attempts", "0"], "--max-attempts"),
            (["jobs", "show", "forty-two"], "forty-two"),
        ])
    func invalidFlagValue(arguments: [String], fragment: String) async throws {
        let result = try await CLIProcess.run(arguments)
        Self.expectOneLineError(result, mentioning: [fragment])
    }

    @Test("enqueue rejects input that is not JSON before touching the database")
    func invalidJSON() async throws {
        let result = try await CLIProcess.run(["enqueue", "sleep", "{ms: 1}"])
        Self.expectOneLineError(result, mentioning: ["not valid JSON", #"'{"ms": 100}'"#])
    }
}
