import Foundation

/// A `text/event-stream` body read back into its events, for tests.
struct ParsedEvent: Equatable, Sendable {
    var id: String?
    var event: String?
    var data: String

    /// The data as a JSON object.
    var json: [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(data.utf8))) as? [String: Any]
    }

    var task: [String: Any]? { json?["task"] as? [String: Any] }

    /// Parses complete events (each ended by a blank line); comments and partial events are dropped.
    static func parse(_ text: String) -> [ParsedEvent] {
        var events: [ParsedEvent] = []
        for block in text.components(separatedBy: "\n\n") where !block.isEmpty {
            var event = ParsedEvent(id: nil, event: nil, data: "")
            var dataLines: [String] = []
            for line in block.split(separator: "\n", omittingEmptySubsequences: true) {
                if line.hasPrefix(":") { continue }
                let parts = line.split(separator: ":", maxSplits: 1)
                let field = String(parts[0])
                var value = parts.count > 1 ? String(parts[1]) : ""
                if value.hasPrefix(" ") { value.removeFirst() }
                switch field {
                case "id": event.id = value
                case "event": event.event = value
                case "data": dataLines.append(value)
                default: break
                }
            }
            event.data = dataLines.joined(separator: "\n")
            events.append(event)
        }
        return events
    }
}
