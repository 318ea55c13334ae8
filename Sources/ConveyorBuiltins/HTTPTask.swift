public import Conveyor

/// The built-in `http` task: one HTTP request to an allow-listed host; its answer is the result.
///
/// Input (only `url` is required):
///
/// ```json
/// {"method": "POST", "url": "https://api.example.com/hook", "headers": {"Content-Type": "application/json"},
///  "body": "{\"id\": 1}", "timeoutMs": 30000}
/// ```
///
/// Outcomes:
/// - a 2xx answer completes the task with an ``HTTPTaskResult`` (status and body, the body cut at
///   ``HTTPTaskConfiguration/maximumResultBodyBytes``);
/// - 5xx, 429 and network errors are retried with the queue's backoff, or at the time a 429 or 503
///   names in `Retry-After`;
/// - any other answer (4xx, 3xx: redirects are not followed) discards the task with the status in
///   the reason;
/// - a host not on the allow-list, an invalid URL, method, header or timeout discards the task
///   before any request is made.
public struct HTTPTask: TaskDefinition, Hashable {
    /// The kind `http` tasks are stored under.
    public static let name = "http"

    /// `GET` (the default), `HEAD`, `POST`, `PUT`, `PATCH`, `DELETE` or `OPTIONS`, any case.
    public var method: String
    /// An absolute `http` or `https` URL whose host is on the worker's allow-list.
    public var url: String
    /// Request headers (default none).
    public var headers: [String: String]
    /// The request body, sent as UTF-8 text (default none).
    public var body: String?
    /// How long the whole request may take, in milliseconds (default:
    /// ``HTTPTaskConfiguration/defaultTimeout``; at most ``HTTPTaskConfiguration/maximumTimeout``).
    public var timeoutMs: Int?

    /// An `http` task, for enqueueing from Swift.
    public init(
        method: String = "GET", url: String, headers: [String: String] = [:], body: String? = nil,
        timeoutMs: Int? = nil
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeoutMs = timeoutMs
    }

    /// Decodes the input, with the defaults above for every field but `url`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.method = try container.decodeIfPresent(String.self, forKey: .method) ?? "GET"
        self.url = try container.decode(String.self, forKey: .url)
        self.headers = try container.decodeIfPresent([String: String].self, forKey: .headers) ?? [:]
        self.body = try container.decodeIfPresent(String.self, forKey: .body)
        self.timeoutMs = try container.decodeIfPresent(Int.self, forKey: .timeoutMs)
    }
}
