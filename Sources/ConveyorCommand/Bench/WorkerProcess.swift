import Foundation
import Synchronization

/// A `conveyor bench worker` child process, driven over its stdin and stdout.
///
/// Used from one task only: it holds the iterator over the child's output lines.
final class WorkerProcess {
    private let process: Process
    private let input: FileHandle
    private var lines: AsyncStream<String>.Iterator
    private let exit = ExitStatus()
    let pid: Int32

    /// A command to run each worker process under (`valgrind --tool=massif`, `perf record -g --`).
    static let prefixVariable = "CONVEYOR_BENCH_WORKER_PREFIX"

    /// Starts `executable bench worker <arguments>` with `environment` added to ours; its stderr goes to ours.
    init(executable: URL, arguments: [String], environment: [String: String]) throws {
        let process = Process()
        // For profiling: run the worker under a tool, e.g. "valgrind --tool=callgrind" (the
        // figures of such a run measure the tool too).
        let prefix =
            ProcessInfo.processInfo.environment[Self.prefixVariable].map {
                $0.split(separator: " ").map(String.init)
            } ?? []
        if prefix.isEmpty {
            process.executableURL = executable
            process.arguments = ["bench", "worker"] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = prefix + [executable.path, "bench", "worker"] + arguments
        }
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        let stdin = Pipe()
        let stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        let exit = exit
        process.terminationHandler = { process in exit.set(process.terminationStatus) }
        try process.run()
        self.process = process
        self.input = stdin.fileHandleForWriting
        self.lines = LineStream.lines(of: stdout.fileHandleForReading).makeAsyncIterator()
        self.pid = process.processIdentifier
    }

    /// Waits until the child says `word`; the lines before it are returned.
    @discardableResult
    func expect(_ word: String) async throws -> [String] {
        var before: [String] = []
        while let line = await lines.next() {
            if line == word { return before }
            before.append(line)
        }
        throw BenchFailure("bench worker process \(pid) exited before saying \(word); see its errors above")
    }

    func send(_ word: String) {
        try? input.write(contentsOf: Data((word + "\n").utf8))
    }

    /// The child's peak resident memory so far (VmHWM), in bytes; nil where /proc is not available.
    var peakResidentBytes: Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 2, let kilobytes = Int(fields[1]) else { return nil }
            return kilobytes * 1024
        }
        return nil
    }

    /// CPU time the child has used so far (user + system), in seconds; nil where /proc is not available.
    var cpuSeconds: Double? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return nil }
        // After the command name: state is field 3, utime and stime are fields 14 and 15.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        return (user + system) / (ticks > 0 ? ticks : 100)
    }

    /// Asks the child to stop, waits for its last words and its exit, and returns the lines it
    /// printed before `BYE`.
    func stop() async throws -> [String] {
        send(BenchProtocol.stop)
        let last = try await expect(BenchProtocol.bye)
        try? input.close()
        let status = await exit.value()
        guard status == 0 else {
            throw BenchFailure("bench worker process \(pid) exited with status \(status)")
        }
        return last
    }

    /// Ends the child at once (SIGTERM), for when a run has failed.
    func terminate() {
        if process.isRunning { process.terminate() }
    }
}

/// A child's exit status, awaited.
private final class ExitStatus: Sendable {
    private struct State {
        var status: Int32?
        var waiters: [CheckedContinuation<Int32, Never>] = []
    }
    private let state = Mutex(State())

    func set(_ status: Int32) {
        let waiters = state.withLock { state -> [CheckedContinuation<Int32, Never>] in
            state.status = status
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume(returning: status) }
    }

    func value() async -> Int32 {
        await withCheckedContinuation { continuation in
            let known = state.withLock { state -> Int32? in
                if let status = state.status { return status }
                state.waiters.append(continuation)
                return nil
            }
            if let known { continuation.resume(returning: known) }
        }
    }
}
