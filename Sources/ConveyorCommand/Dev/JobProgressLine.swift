import Conveyor
import Foundation

/// One line that says how a job is doing: a bar, the tasks done, what runs now, the retries.
///
/// On a terminal the line is redrawn in place; elsewhere (a pipe, a CI log) a plain line is
/// printed only when it changes, with no control codes.
struct JobProgressLine {
    static func render(_ job: JobSnapshot, width: Int = 24) -> String {
        let fraction = min(1, max(0, job.progress))
        let filled = Int((fraction * Double(width)).rounded(.down))
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        let done = job.tasks.count(where: { $0.state == .completed })
        let retries = job.tasks.reduce(0) { $0 + $1.errors.count }
        var parts = [
            "[\(bar)] \(String(format: "%3d", Int((fraction * 100).rounded(.down))))%",
            "job \(job.id) \(job.kind)",
            "\(done)/\(job.tasks.count) tasks",
            job.state.rawValue,
        ]
        let running = job.tasks.filter { $0.state == .running }
        if let note = running.compactMap(\.progressMessage).first {
            parts.append(note)
        } else if let task = running.first {
            parts.append("running \(task.kind)")
        }
        if retries > 0 { parts.append("\(retries) \(retries == 1 ? "retry" : "retries")") }
        return parts.joined(separator: "  ")
    }

    /// How the job ended, for `conveyor dev --once`.
    static func summary(_ job: JobSnapshot, elapsed: Duration) -> String {
        let attempts = job.tasks.reduce(0) { $0 + $1.attempt }
        let retries = job.tasks.reduce(0) { $0 + $1.errors.count }
        let seconds = String(format: "%.1f", elapsed.seconds)
        var lines = [
            "job \(job.id) (\(job.kind)) \(job.state.rawValue): \(job.tasks.count) tasks, \(attempts) attempts run, \(retries) \(retries == 1 ? "retry" : "retries"), \(seconds) s"
        ]
        for task in job.tasks {
            var line =
                "  task \(task.id) \(task.kind): \(task.state.rawValue), attempt \(task.attempt)/\(task.maxAttempts)"
            if task.state != .completed, let error = task.errors.last { line += ", last error: \(error.error)" }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }
}

/// Writes progress lines to standard output: redrawn in place on a terminal, appended otherwise.
struct ProgressPrinter {
    let isTerminal = isatty(STDOUT_FILENO) == 1
    private var last: String?

    mutating func show(_ line: String) {
        guard line != last else { return }
        last = line
        if isTerminal {
            FileHandle.standardOutput.write(Data("\r\u{1B}[2K\(line)".utf8))
        } else {
            FileHandle.standardOutput.write(Data("\(line)\n".utf8))
        }
    }

    /// Writes a whole line, unbuffered, so it keeps its place among progress lines.
    static func line(_ text: String) {
        FileHandle.standardOutput.write(Data("\(text)\n".utf8))
    }

    /// Ends the redrawn line so what follows starts on its own.
    mutating func finish() {
        if isTerminal, last != nil { FileHandle.standardOutput.write(Data("\n".utf8)) }
        last = nil
    }
}
