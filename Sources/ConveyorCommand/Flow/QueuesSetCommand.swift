import ArgumentParser
import Conveyor
import Foundation
import Logging

/// `conveyor queues set NAME …`: changes the flags given, keeps the rest.
struct QueuesSetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set",
        abstract: "Change a queue's limits; flags not given keep their value, none removes one.",
        discussion: """
            Examples:
              conveyor queues set render --concurrency 10 --fair-share
              conveyor queues set transcription --rate 5/m
              conveyor queues set render --peak 06:00-21:00x1.5 --time-zone Europe/Berlin
              conveyor queues set render --concurrency none --peak none
            """
    )

    @Argument(help: "The queue.")
    var name: String

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp(
            "Most tasks of the queue running at once, across all workers; none for no limit.", valueName: "n"),
        transform: FlowArguments.limit)
    var concurrency: SettingChange<Int>?

    @Option(
        help: ArgumentHelp(
            "Most task starts per interval, such as 50/s, 5/m or 100/10s; none for no limit.", valueName: "rate"),
        transform: FlowArguments.rate)
    var rate: SettingChange<RateLimit>?

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp(
            "How long one attempt may run (30s, 5m); overrides the workers' own default. none to remove.",
            valueName: "duration"),
        transform: FlowArguments.timeout)
    var timeout: SettingChange<Duration>?

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp("Discard a task after this many failed attempts, at most; none to remove.", valueName: "n"),
        transform: FlowArguments.maxAttempts)
    var maxAttempts: SettingChange<Int>?

    @Option(
        help: ArgumentHelp(
            "A daily window multiplying the concurrency limit, such as 06:00-21:00x1.5; none to remove.",
            valueName: "window"),
        transform: FlowArguments.peak)
    var peak: SettingChange<PeakWindow>?

    @Option(
        help: ArgumentHelp("The time zone of the peak window (default UTC), such as Europe/Berlin.", valueName: "zone"),
        transform: FlowArguments.timeZone)
    var timeZone: String?

    @Flag(
        inversion: .prefixedNo,
        help: "Take waiting tasks of different owners round-robin within each priority.")
    var fairShare: Bool?

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        try FlowArguments.validated { try QueueSettings(name).validate() }
        if timeZone != nil, case .clear? = peak {
            throw ValidationError("--time-zone applies to a peak window, which --peak none removes")
        }
    }

    func run() async throws {
        let logger = logging.logger("conveyor.queues", defaultLevel: .warning)
        let opened = try await database.open(logger: logger)
        let settings = try await opened.withServices { client in
            try await opened.requireMigrated()
            var settings = try await client.queue(name) ?? QueueSettings(name)
            if let concurrency { settings.concurrencyLimit = concurrency.applied(to: settings.concurrencyLimit) }
            if let rate { settings.rateLimit = rate.applied(to: settings.rateLimit) }
            if let timeout { settings.timeout = timeout.applied(to: settings.timeout) }
            if let maxAttempts { settings.maxAttempts = maxAttempts.applied(to: settings.maxAttempts) }
            if let fairShare { settings.fairShare = fairShare }
            settings.peak = try FlowArguments.peak(current: settings.peak, change: peak, timeZone: timeZone)
            try settings.validate()
            try await client.setQueue(settings)
            return settings
        }
        print(FlowReport.describe(settings, now: Date()))
    }
}
