public import Foundation

/// The error of one failed attempt, kept on the task so its history can be read.
public struct AttemptError: Sendable, Codable, Hashable {
    public var attempt: Int
    public var at: Date
    public var error: String
    public var worker: String?

    public init(attempt: Int, at: Date, error: String, worker: String?) {
        self.attempt = attempt
        self.at = at
        self.error = error
        self.worker = worker
    }
}

extension AttemptError {
    /// The form drivers store: `at` as seconds since 1970, so any database can write it in SQL.
    private struct Stored: Codable {
        var attempt: Int
        var at: Double
        var error: String
        var worker: String?
    }

    /// One error as stored JSON text.
    package var storageJSON: String {
        let stored = Stored(attempt: attempt, at: at.timeIntervalSince1970, error: error, worker: worker)
        return String(decoding: (try? JSONEncoder.conveyor.encode(stored)) ?? Data("{}".utf8), as: UTF8.self)
    }

    /// Reads a stored JSON array of errors; unreadable text gives an empty list.
    package static func decodeStored(_ json: String) -> [AttemptError] {
        guard let stored = try? JSONDecoder.conveyor.decode([Stored].self, from: Data(json.utf8)) else { return [] }
        return stored.map {
            AttemptError(
                attempt: $0.attempt, at: Date(timeIntervalSince1970: $0.at), error: $0.error, worker: $0.worker)
        }
    }
}
