import ArgumentParser
import Conveyor
import Foundation
import Logging

/// `conveyor stats`: per-queue counts, live workers, and queues that wait with nobody to run them.
struct StatsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Show per-queue counts and workers, and flag queues with waiting work and no live worker.",
        discussion: """
            A worker is live when its last heartbeat is at most \(Int(StatsReport.liveWorkerThreshold.seconds))s old \
            (three default heartbeat intervals). "Today" starts at local midnight.
            """
    )

    @Flag(help: "Print JSON instead of text.")
    var json = false

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var logging: LoggingOptions

    func run() async throws {
        let logger = logging.logger("conveyor.stats", defaultLevel: .warning)
        let opened = try await database.open(logger: logger)
        let (queues, workers) = try await opened.withServices { client in
            try await opened.requireMigrated()
            return (try await client.queueStats(), try await client.workers())
        }
        let report = StatsReport(queues: queues, workers: workers, now: Date())
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            encoder.dateEncodingStrategy = .iso8601
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            print(report.text(), terminator: "")
        }
    }
}
