import ArgumentParser
import Conveyor
import Foundation
import Logging

/// `conveyor jobs show ID`: a job and its tasks, as text or JSON.
struct JobsShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show a job and its tasks: state, attempts, priority, run time, last error and result."
    )

    @Argument(help: "The job id, as printed by 'conveyor enqueue'.")
    var id: Int64

    @Flag(help: "Print JSON instead of text.")
    var json = false

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var logging: LoggingOptions

    func run() async throws {
        let logger = logging.logger("conveyor.jobs", defaultLevel: .warning)
        let opened = try await database.open(logger: logger)
        let (job, artifacts) = try await opened.withServices { client in
            try await opened.requireMigrated()
            guard let job = try await client.job(JobID(id)) else { return (JobSnapshot?.none, [ArtifactRecord]()) }
            return (job, try await client.artifacts(of: job.id))
        }
        guard let job else {
            throw ConveyorError(.notFound, "there is no job \(id) in \(opened.location)")
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            encoder.dateEncodingStrategy = .iso8601
            print(String(decoding: try encoder.encode(JobReport(job, artifacts: artifacts)), as: UTF8.self))
        } else {
            print(Self.text(job, artifacts: artifacts), terminator: "")
        }
    }

    /// The job, then its tasks as a tree: each task under the last of its dependencies, indented
    /// by its depth, with state, attempts, progress and last error.
    static func text(_ job: JobSnapshot, artifacts: [ArtifactRecord] = [], now: Date = Date()) -> String {
        var lines: [String] = []
        func field(_ indent: String, _ name: String, _ value: String) {
            lines.append(indent + "  " + (name + ":").padding(toLength: 13, withPad: " ", startingAt: 0) + value)
        }
        let completed = job.tasks.count(where: { $0.state == .completed })
        let percent = Int((job.progress * 100).rounded(.down))
        lines.append(
            "job \(job.id) (\(job.kind)): \(job.state), \(completed) of \(job.tasks.count) tasks completed, \(percent)%"
        )
        if !job.owner.isEmpty { field("", "owner", job.owner) }
        if let key = job.idempotencyKey { field("", "idempotency", key) }
        field("", "created", TimeText.withRelative(job.createdAt, now: now))
        if let finished = job.finishedAt { field("", "finished", TimeText.withRelative(finished, now: now)) }
        if let result = job.result { field("", "result", result) }
        let labels = Dictionary(
            uniqueKeysWithValues: job.tasks.map { ($0.id, $0.name.map { "'\($0)'" } ?? "\($0.id)") })
        for (task, depth) in JobTree.ordered(job.tasks) {
            let indent = String(repeating: "  ", count: depth)
            let name = task.name.map { " '\($0)'" } ?? ""
            let branch = depth > 0 ? "└ " : ""
            lines.append(
                "\(indent)\(branch)task \(task.id)\(name) (\(task.kind)) on queue \(task.queue): \(task.state)")
            let inner = indent + (depth > 0 ? "  " : "")
            if !task.dependsOn.isEmpty {
                field(inner, "after", task.dependsOn.map { labels[$0] ?? "\($0)" }.joined(separator: ", "))
            }
            field(inner, "attempts", "\(task.attempt)/\(task.maxAttempts)")
            field(inner, "priority", Self.priority(task.priority))
            if task.state == .running || task.progress != nil {
                let message = task.progressMessage.map { " \($0)" } ?? ""
                field(inner, "progress", "\(task.progress ?? 0)%\(message)")
            }
            if !task.state.isFinished && task.state != .blocked {
                field(inner, "run at", TimeText.withRelative(task.runAt, now: now))
            }
            if let worker = task.workerID { field(inner, "worker", worker) }
            if let lease = task.leaseExpiresAt { field(inner, "lease until", TimeText.withRelative(lease, now: now)) }
            if let redriven = task.redrivenAt { field(inner, "redriven", TimeText.withRelative(redriven, now: now)) }
            field(inner, "input", task.input)
            if let result = task.result { field(inner, "result", result) }
            if let error = task.errors.last {
                let worker = error.worker.map { " on \($0)" } ?? ""
                field(
                    inner, "last error",
                    "attempt \(error.attempt), \(TimeText.withRelative(error.at, now: now))\(worker): \(error.error)")
                if task.errors.count > 1 { field(inner, "errors", "\(task.errors.count) in all; --json lists each") }
            }
        }
        for artifact in artifacts {
            lines.append(
                "artifact \(artifact.name) of task \(artifact.taskID): \(artifact.contentType), \(artifact.size) bytes, sha256 \(artifact.sha256)"
            )
            field("", "key", artifact.storageKey)
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func priority(_ priority: Priority) -> String {
        switch priority {
        case .high: "\(priority) (high)"
        case .normal: "\(priority) (normal)"
        case .low: "\(priority) (low)"
        default: "\(priority)"
        }
    }
}
