import ArgumentParser
import Conveyor
import Foundation
import Logging

/// `conveyor resources set NAME …`: changes the flags given, keeps the rest.
struct ResourcesSetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set",
        abstract: "Change a resource's limits; flags not given keep their value, none removes one.",
        discussion: """
            Examples:
              conveyor resources set tts-endpoint --concurrency 10
              conveyor resources set openai --rate 500/m
              conveyor resources set gpu --concurrency 4 --peak 22:00-06:00x2 --time-zone America/New_York
            """
    )

    @Argument(help: "The resource, such as tts-endpoint.")
    var name: String

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp(
            "Most tasks using the resource running at once, across all workers; none for no limit.",
            valueName: "n"),
        transform: FlowArguments.limit)
    var concurrency: SettingChange<Int>?

    @Option(
        help: ArgumentHelp(
            "Most starts of tasks using it per interval, such as 50/s, 5/m or 100/10s; none for no limit.",
            valueName: "rate"),
        transform: FlowArguments.rate)
    var rate: SettingChange<RateLimit>?

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

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        try FlowArguments.validated { try ResourceSettings.validate(name: name) }
        if timeZone != nil, case .clear? = peak {
            throw ValidationError("--time-zone applies to a peak window, which --peak none removes")
        }
    }

    func run() async throws {
        let logger = logging.logger("conveyor.resources", defaultLevel: .warning)
        let opened = try await database.open(logger: logger)
        let settings = try await opened.withServices { client in
            try await opened.requireMigrated()
            var settings = try await client.resources().first { $0.name == name } ?? ResourceSettings(name)
            if let concurrency { settings.concurrencyLimit = concurrency.applied(to: settings.concurrencyLimit) }
            if let rate { settings.rateLimit = rate.applied(to: settings.rateLimit) }
            settings.peak = try FlowArguments.peak(current: settings.peak, change: peak, timeZone: timeZone)
            try settings.validate()
            try await client.setResource(settings)
            return settings
        }
        print(FlowReport.describe(settings, now: Date()))
    }
}
