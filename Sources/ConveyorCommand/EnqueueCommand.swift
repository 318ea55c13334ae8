import ArgumentParser
import Conveyor
import Foundation
import Logging

/// `conveyor enqueue KIND JSON`: adds one task, as a job of its own, and prints the job id.
struct EnqueueCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "enqueue",
        abstract: "Enqueue one task and print its job id.",
        discussion: """
            Examples:
              conveyor enqueue sleep '{"ms": 100}'
              conveyor enqueue http '{"method": "POST", "url": "https://api.example.com/hook", "body": "hi"}' --queue hooks
              conveyor enqueue report '{"month": "2030-01"}' --run-at +5m --priority high --idempotency-key report-2030-01
              conveyor enqueue sleep '{"ms": 2000, "timed": true}' --resources tts-endpoint --owner user-7
            """
    )

    @Argument(help: "The task kind: a built-in (sleep, http) or one your worker registers.")
    var kind: String

    @Argument(help: "The task's input as JSON; quote it for your shell.")
    var input: String = "{}"

    @Option(help: "The queue (default: \(TaskDefaults.queue)).")
    var queue: String = TaskDefaults.queue

    @Option(
        help: ArgumentHelp("high, normal, low or a number; lower runs first (default: normal).", valueName: "priority"),
        transform: ArgumentParsers.priority
    )
    var priority: Priority?

    @Option(
        help: ArgumentHelp(
            "When the task may first run: an ISO 8601 time (2030-01-31T09:00:00Z) or a delay (+30s, +5m).",
            valueName: "time"),
        transform: ArgumentParsers.runAt
    )
    var runAt: Date?

    @Option(help: "Attempts before the task is discarded.")
    var maxAttempts: Int = TaskDefaults.maxAttempts

    @Option(help: "A second enqueue with the same key (and owner) returns the first job and adds nothing.")
    var idempotencyKey: String?

    @Option(help: "The owner (a user or tenant id) the job belongs to.")
    var owner: String = ""

    @Option(
        help: ArgumentHelp(
            "Resources the task uses, comma-separated (such as tts-endpoint): it starts only when each has room.",
            valueName: "names"))
    var resources: String?

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        guard !kind.isEmpty else { throw ValidationError("the task kind must not be empty") }
        guard !queue.isEmpty else { throw ValidationError("--queue must not be empty") }
        guard (1...Int(Int16.max) / 2).contains(maxAttempts) else {
            throw ValidationError("--max-attempts must be between 1 and \(Int(Int16.max) / 2)")
        }
        for resource in ArgumentParsers.list(resources ?? "") {
            do {
                try ResourceSettings.validate(name: resource)
            } catch let error as ConveyorError {
                throw ValidationError("--resources: \(error.message)")
            }
        }
        if let problem = Self.jsonProblem(input) {
            throw ValidationError(
                "the input is not valid JSON (\(problem)); give an object such as '{\"ms\": 100}', quoted for your shell"
            )
        }
    }

    func run() async throws {
        let logger = logging.logger("conveyor.enqueue", defaultLevel: .warning)
        let opened = try await database.open(logger: logger)
        let task = NewTask(
            kind: kind, input: input, queue: queue, priority: priority ?? .normal, runAt: runAt,
            maxAttempts: maxAttempts, resources: ArgumentParsers.list(resources ?? ""))
        let job = try await opened.withServices { client in
            try await opened.requireMigrated()
            return try await client.enqueue(task, owner: owner, idempotencyKey: idempotencyKey)
        }
        print(job.jobID)
        if job.existing, let idempotencyKey {
            CommandFailure.printError(
                "job \(job.jobID) already has idempotency key '\(idempotencyKey)'; nothing new was enqueued")
        }
    }

    /// Why `text` is not JSON, or nil when it is.
    static func jsonProblem(_ text: String) -> String? {
        do {
            _ = try JSONSerialization.jsonObject(with: Data(text.utf8), options: .fragmentsAllowed)
            return nil
        } catch {
            guard var detail = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String else {
                return "it could not be parsed"
            }
            if detail.hasSuffix(".") { detail.removeLast() }
            return detail.prefix(1).lowercased() + detail.dropFirst()
        }
    }
}
