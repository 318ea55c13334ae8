import Conveyor
import Foundation

/// The text of the events `GET /v1/jobs/{id}/events` sends (the `text/event-stream` format).
enum ServerSentEvent {
    /// The JSON of one change: `{"sequence", "job_id", "job_state", "job_progress", "task": {…}, "at"}`.
    struct Change: Encodable {
        struct Task: Encodable {
            var id: Int64
            var name: String?
            var state: String
            var attempt: Int
            var progress: Int?
            var progressMessage: String?
            var lastError: String?

            enum CodingKeys: String, CodingKey {
                case id, name, state, attempt, progress
                case progressMessage = "progress_message"
                case lastError = "last_error"
            }
        }
        var sequence: Int
        var jobID: Int64
        var jobState: String
        var jobProgress: Double
        var task: Task
        var at: Date

        enum CodingKeys: String, CodingKey {
            case sequence, task, at
            case jobID = "job_id"
            case jobState = "job_state"
            case jobProgress = "job_progress"
        }

        init(_ event: JobEvent) {
            sequence = event.sequence
            jobID = event.jobID.rawValue
            jobState = event.jobState.rawValue
            jobProgress = event.jobProgress
            task = Task(
                id: event.task.id.rawValue, name: event.task.name, state: event.task.state.rawValue,
                attempt: event.task.attempt, progress: event.task.progress,
                progressMessage: event.task.progressMessage, lastError: event.task.lastError)
            at = event.at
        }
    }

    /// The JSON of the last event: `{"job_id", "job_state"}`.
    struct End: Encodable {
        var jobID: Int64
        var jobState: String?
        enum CodingKeys: String, CodingKey {
            case jobID = "job_id"
            case jobState = "job_state"
        }
    }

    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        return encoder
    }()

    /// `id: n`, `event: change` and the change as one line of JSON (JSON text holds no raw newline).
    static func change(_ event: JobEvent) -> String {
        let json = (try? encoder.encode(Change(event))).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        return "id: \(event.sequence)\nevent: change\ndata: \(json)\n\n"
    }

    /// `event: end` once the job has ended, so a client knows not to reconnect.
    static func end(jobID: JobID, state: JobState?) -> String {
        let json =
            (try? encoder.encode(End(jobID: jobID.rawValue, jobState: state?.rawValue))).map {
                String(decoding: $0, as: UTF8.self)
            } ?? "{}"
        return "event: end\ndata: \(json)\n\n"
    }
}
