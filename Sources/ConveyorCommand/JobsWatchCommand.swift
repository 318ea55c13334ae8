import ArgumentParser
import Conveyor
import Foundation
import Logging

/// `conveyor jobs watch ID`: live progress of a job until it ends.
struct JobsWatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Show a job's progress as it changes, until it ends; exit status 1 if it failed or was cancelled."
    )

    @Argument(help: "The job id.")
    var id: Int64

    @Option(
        help: ArgumentHelp("How often to read the job.", valueName: "duration"),
        transform: { try ArgumentParsers.duration($0, defaultUnit: .milliseconds) })
    var interval: Duration = .milliseconds(500)

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        guard interval >= .milliseconds(10) else { throw ValidationError("--interval must be at least 10ms") }
    }

    func run() async throws {
        let logger = logging.logger("conveyor.jobs", defaultLevel: .warning)
        let opened = try await database.open(logger: logger)
        let clock = ContinuousClock()
        let start = clock.now
        let final = try await opened.withServices { client -> JobSnapshot in
            try await opened.requireMigrated()
            var printer = ProgressPrinter()
            while true {
                guard let job = try await client.job(JobID(id)) else {
                    throw ConveyorError(.notFound, "there is no job \(id) in \(opened.location)")
                }
                printer.show(JobProgressLine.render(job))
                if job.finishedAt != nil {
                    printer.finish()
                    return job
                }
                try await Task.sleep(for: interval)
            }
        }
        ProgressPrinter.line(JobProgressLine.summary(final, elapsed: clock.now - start))
        if final.state != .completed { throw ExitCode(1) }
    }
}
