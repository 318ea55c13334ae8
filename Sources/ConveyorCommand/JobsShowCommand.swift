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
        let job = try await opened.withServices { client in
            try await opened.requireMigrated()
            return try await client.job(JobID(id))
        }
        guard let job else {
            throw ConveyorError(.notFound, "there is no job \(id) in \(opened.location)")
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            encoder.dateEncodingStrategy = .iso8601
            print(String(decoding: try encoder.encode(JobReport(job)), as: UTF8.self))
        } else {
            print(Self.text(job), terminator: "")
        }
    }

    static func text(_ job: JobSnapshot, now: Date = Date()) -> String {
        var lines: [String] = []
        func field(_ name: String, _ value: String) {
            lines.append("  " + (name + ":").padding(toLength: 13, withPad: " ", startingAt: 0) + value)
        }
        let completed = job.tasks.count(where: { $0.state == .completed })
        lines.append("job \(job.id) (\(job.kind)): \(job.state), \(completed) of \(job.tasks.count) tasks completed")
        if !job.owner.isEmpty { field("owner", job.owner) }
        if let key = job.idempotencyKey { field("idempotency", key) }
        field("created", TimeText.withRelative(job.createdAt, now: now))
        if let finished = job.finishedAt { field("finished", TimeText.withRelative(finished, now: now)) }
        for task in job.tasks {
            lines.append("task \(task.id) (\(task.kind)) on queue \(task.queue): \(task.state)")
            field("attempts", "\(task.attempt)/\(task.maxAttempts)")
            field("priority", Self.priority(task.priority))
            field("run at", TimeText.withRelative(task.runAt, now: now))
            if let worker = task.workerID { field("worker", worker) }
            if let lease = task.leaseExpiresAt { field("lease until", TimeText.withRelative(lease, now: now)) }
            field("input", task.input)
            if let result = task.result { field("result", result) }
            if let error = task.errors.last {
                let worker = error.worker.map { " on \($0)" } ?? ""
                field(
                    "last error",
                    "attempt \(error.attempt), \(TimeText.withRelative(error.at, now: now))\(worker): \(error.error)")
                if task.errors.count > 1 { field("errors", "\(task.errors.count) in all; --json lists each") }
            }
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
