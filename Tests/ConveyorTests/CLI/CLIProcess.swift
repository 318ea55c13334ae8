import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// What a finished `conveyor` process left behind.
struct CLIResult: Sendable, CustomStringConvertible {
    var arguments: [String]
    /// The exit status, or the signal number when a signal ended it.
    var status: Int32
    var killedBySignal: Bool
    var stdout: String
    var stderr: String

    var succeeded: Bool { status == 0 && !killedBySignal }
    var stderrLines: [String] { stderr.split(whereSeparator: \.isNewline).map(String.init) }
    var trimmedStdout: String { stdout.trimmingCharacters(in: .whitespacesAndNewlines) }

    var description: String {
        "conveyor \(arguments.joined(separator: " ")) → \(killedBySignal ? "signal" : "status") \(status)\n"
            + "stdout:\n\(stdout)\nstderr:\n\(stderr)"
    }
}

/// A `conveyor` child process: the real executable built next to this test bundle, its output in
/// temporary files so a chatty process never blocks on a full pipe. (Any other program, such as
/// `bash`, can be run the same way with `executable:`.)
final class CLIProcess: Sendable {
    private let process: Process
    private let arguments: [String]
    private let output: URL
    private let exits: AsyncStream<Void>

    /// Starts `conveyor arguments…` (or `executable arguments…`) with `environment` added to a copy
    /// of ours from which every `CONVEYOR_` variable (other than the test database's) has been removed.
    init(
        _ arguments: [String], environment: [String: String] = [:], directory: URL? = nil, executable: URL? = nil
    ) throws {
        let process = Process()
        process.executableURL = try executable ?? Self.executableURL()
        if let directory { process.currentDirectoryURL = directory }
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment.filter {
            !$0.key.hasPrefix("CONVEYOR_") || $0.key.hasPrefix("CONVEYOR_TEST_")
        }
        env.merge(environment) { $1 }
        process.environment = env
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("conveyor-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: output.appendingPathComponent("stdout").path, contents: nil)
        _ = FileManager.default.createFile(atPath: output.appendingPathComponent("stderr").path, contents: nil)
        let stdout = try FileHandle(forWritingTo: output.appendingPathComponent("stdout"))
        let stderr = try FileHandle(forWritingTo: output.appendingPathComponent("stderr"))
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = FileHandle.nullDevice
        let (exits, continuation) = AsyncStream.makeStream(of: Void.self)
        process.terminationHandler = { _ in
            continuation.yield()
            continuation.finish()
        }
        try process.run()
        // The child has copies of its own; these would stay open for as long as the process object.
        try? stdout.close()
        try? stderr.close()
        self.process = process
        self.arguments = arguments
        self.output = output
        self.exits = exits
    }

    /// Runs `conveyor arguments…` to its end.
    static func run(
        _ arguments: [String], environment: [String: String] = [:], directory: URL? = nil,
        timeout: Duration = .seconds(60)
    ) async throws -> CLIResult {
        try await CLIProcess(arguments, environment: environment, directory: directory).waitForExit(timeout: timeout)
    }

    /// Sends `signal` (SIGTERM by default) to the process.
    func signal(_ signal: Int32 = SIGTERM) {
        if process.isRunning { kill(process.processIdentifier, signal) }
    }

    /// Kills the process if it still runs; for cleanup when a test fails early.
    func killIfRunning() {
        signal(SIGKILL)
    }

    /// Waits for the process to end; kills it and fails when `timeout` passes first, or when the
    /// waiting task is cancelled (a test's time limit), so a process that never ends cannot hold
    /// the test run.
    func waitForExit(timeout: Duration = .seconds(60)) async throws -> CLIResult {
        let exited = await waitForTermination(timeout: timeout)
        if !exited {
            killIfRunning()
            // Killed, it ends at once: the wait is bounded only in case its end is never reported.
            _ = await waitForTermination(timeout: .seconds(30))
        }
        // Never `process.waitUntilExit()`: on Linux it parks the calling thread on a run loop until
        // Foundation delivers the exit there, which off the main thread can be never; with two
        // cooperative threads, two such waits froze the whole test run. The termination handler
        // has fired; the status is set before it runs, and this only guards that order (bounded,
        // and never spinning past a cancellation).
        let clock = ContinuousClock()
        let settled = clock.now.advanced(by: .seconds(5))
        while process.isRunning && !Task.isCancelled && clock.now < settled { await Task.yield() }
        guard !process.isRunning else {
            let error = CLINeverEnded(arguments: arguments, stdout: read("stdout"), stderr: read("stderr"))
            try? FileManager.default.removeItem(at: output)
            throw error
        }
        let result = CLIResult(
            arguments: arguments,
            status: process.terminationStatus,
            killedBySignal: process.terminationReason == .uncaughtSignal,
            stdout: read("stdout"),
            stderr: read("stderr")
        )
        try? FileManager.default.removeItem(at: output)
        if !exited {
            throw CLITimedOut(timeout: timeout, result: result)
        }
        return result
    }

    /// Whether the termination handler reported the end within `timeout` (false at once when the
    /// waiting task is cancelled).
    private func waitForTermination(timeout: Duration) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask { [exits] in
                for await _ in exits { return true }
                // The stream ends without an element only when this wait is cancelled.
                return false
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
    }

    /// What the process has written to stdout so far.
    var stdoutSoFar: String { read("stdout") }

    private func read(_ name: String) -> String {
        let data = (try? Data(contentsOf: output.appendingPathComponent(name))) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    /// The `conveyor` executable that `swift build --build-tests` put beside this test bundle.
    static func executableURL() throws -> URL {
        var directories: [URL] = []
        if let executable = Bundle.main.executableURL {
            directories.append(executable.resolvingSymlinksInPath().deletingLastPathComponent())
        }
        for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
            directories.append(bundle.bundleURL.deletingLastPathComponent())
        }
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        directories.append(packageRoot.appendingPathComponent(".build/debug"))
        for directory in directories {
            let candidate = directory.appendingPathComponent("conveyor")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        throw CLINotBuilt(searched: directories.map(\.path))
    }
}

/// The `conveyor` executable was not found: the tests need it built.
struct CLINotBuilt: Error, CustomStringConvertible {
    var searched: [String]
    var description: String {
        "the conveyor executable was not found in \(searched.joined(separator: ", ")); build with 'swift build --build-tests' (scripts/test does)"
    }
}

/// A process whose end was never reported, even after it was killed (or the wait was cancelled).
struct CLINeverEnded: Error, CustomStringConvertible {
    var arguments: [String]
    var stdout: String
    var stderr: String
    var description: String {
        "the end of '\(arguments.joined(separator: " "))' was not reported, even after it was killed\n"
            + "stdout:\n\(stdout)\nstderr:\n\(stderr)"
    }
}

/// A `conveyor` process did not exit in time and was killed.
struct CLITimedOut: Error, CustomStringConvertible {
    var timeout: Duration
    var result: CLIResult
    var description: String { "conveyor did not exit within \(timeout) and was killed: \(result)" }
}
