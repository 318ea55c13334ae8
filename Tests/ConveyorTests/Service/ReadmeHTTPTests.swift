import ConveyorTesting
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The README's HTTP walkthrough (create a job with curl, follow it with `curl -N …/events`,
/// download its artifact), run as written, with bash and curl, against a live `conveyor dev`.
@Suite("README HTTP walkthrough", .boundedParallelism, .timeLimit(.minutes(10)))
struct ReadmeHTTPTests {
    static let marker = "<!-- README-HTTP-WALKTHROUGH"
    static let documentedBase = "http://127.0.0.1:8787"

    /// The `sh` block after the marker.
    static func walkthrough() throws -> String {
        let readme = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("README.md")
        let text = try String(contentsOf: readme, encoding: .utf8)
        let afterMarker = try #require(text.range(of: marker)).upperBound
        let open = try #require(text.range(of: "```sh\n", range: afterMarker..<text.endIndex))
        let close = try #require(text.range(of: "\n```", range: open.upperBound..<text.endIndex))
        return String(text[open.upperBound..<close.lowerBound])
    }

    @Test("create a job with curl, watch it with curl -N …/events, download its artifact")
    func walkthroughRunsAsWritten() async throws {
        let script = try Self.walkthrough()
        #expect(script.contains("curl -sN"))
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("conveyor-readme-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }

        let dev = try CLIProcess(["dev", "--port", "0"], directory: directory)
        defer { dev.killIfRunning() }
        var line = ""
        try await waitUntilLine(in: dev) { output in
            guard let found = output.split(separator: "\n").first(where: { $0.contains("API at http://") }) else {
                return false
            }
            line = String(found)
            return true
        }
        let base = try #require(line.firstMatch(of: /API at (http:\/\/[0-9.]+:[0-9]+)/)?.1, "\(line)")
        let token = try #require(line.firstMatch(of: /Bearer ([^' ]+)/)?.1, "\(line)")

        // The documented address and the placeholder token become this server's.
        let runnable = script.replacingOccurrences(of: Self.documentedBase, with: String(base))
            .replacingOccurrences(of: "TOKEN=…", with: "TOKEN='\(token)'")
        let result = try await Self.bash(runnable, in: directory)
        #expect(result.status == 0, "\(result.output)\n\(result.errors)")

        let events = ParsedEvent.parse(result.output)
        let changes = events.filter { $0.event == "change" }
        #expect(changes.count > 5, "\(result.output)")
        #expect(changes.map(\.id) == (1...max(1, changes.count)).map { String($0) }, "\(result.output)")
        #expect(changes.last?.json?["job_state"] as? String == "completed", "\(result.output)")
        #expect(events.contains { $0.event == "end" && $0.json?["job_state"] as? String == "completed" })
        // The artifact the join task wrote, downloaded through its signed URL.
        #expect(result.output.hasSuffix("Once upon a\ntime a queue\nlost nothing at\nall."), "\(result.output)")

        dev.signal(SIGTERM)
        let ended = try await dev.waitForExit(timeout: .seconds(60))
        #expect(ended.succeeded, "\(ended)")
    }

    private func waitUntilLine(in process: CLIProcess, _ found: (String) -> Bool) async throws {
        try await waitUntil("conveyor dev prints its API address", timeout: .seconds(90), every: .milliseconds(50)) {
            found(process.stdoutSoFar)
        }
    }

    /// Runs `script` with `bash -euo pipefail` in `directory`; output in files, so a long one never
    /// blocks. A script still running after `timeout` (a `curl -N` whose stream never ends) is
    /// killed, and the test fails with what it printed.
    static func bash(
        _ script: String, in directory: URL, timeout: Duration = .seconds(120)
    ) async throws -> (
        status: Int32, output: String, errors: String
    ) {
        let result = try await CLIProcess(
            ["-euo", "pipefail", "-c", script], directory: directory, executable: URL(fileURLWithPath: "/bin/bash")
        ).waitForExit(timeout: timeout)
        return (result.status, result.stdout, result.stderr)
    }
}
