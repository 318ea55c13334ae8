import ArgumentParser
import Logging

/// `--log-level`: how much a command logs to stderr.
struct LoggingOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "trace, debug, info, notice, warning, error or critical (default: info for work, warning otherwise).",
            valueName: "level"),
        transform: LoggingOptions.parseLevel
    )
    var logLevel: Logger.Level?

    /// A logger writing to stderr at the chosen level, or at `defaultLevel`.
    func logger(_ label: String, defaultLevel: Logger.Level) -> Logger {
        var logger = Logger(label: label)
        logger.logLevel = logLevel ?? defaultLevel
        return logger
    }

    static func parseLevel(_ text: String) throws -> Logger.Level {
        guard let level = Logger.Level(rawValue: text.lowercased()) else {
            throw ValidationError(
                "give one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return level
    }
}
