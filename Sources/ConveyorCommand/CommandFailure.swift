import ArgumentParser
import Foundation

/// Ends the program for an error: help and version requests print as usual; every other error
/// is one line on stderr, `conveyor: <what to fix>`, with no usage dump and no stack trace.
enum CommandFailure {
    static func exit(with error: any Error) -> Never {
        let code = ConveyorCommand.exitCode(for: error)
        if code == .success { ConveyorCommand.exit(withError: error) }
        if error is ExitCode { Foundation.exit(code.rawValue) }
        var message = ConveyorCommand.message(for: error)
        if code == .validationFailure, let hint = helpHint(for: error) {
            message += " (see '\(hint)')"
        }
        printError(message)
        Foundation.exit(code.rawValue)
    }

    /// Writes `conveyor: message` to stderr, on one line.
    static func printError(_ message: String) {
        let line = message.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }.joined(separator: " ")
        FileHandle.standardError.write(Data("conveyor: \(line)\n".utf8))
    }

    /// `conveyor work --help`, for the subcommand an argument error belongs to.
    private static func helpHint(for error: any Error) -> String? {
        let full = ConveyorCommand.fullMessage(for: error, columns: 1000)
        guard let line = full.split(separator: "\n").last(where: { $0.contains("See '") }),
            let start = line.range(of: "See '")?.upperBound,
            let end = line[start...].firstIndex(of: "'")
        else { return nil }
        return String(line[start..<end])
    }
}
