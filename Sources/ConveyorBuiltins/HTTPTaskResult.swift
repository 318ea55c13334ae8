/// What a completed `http` task stores as its result: `{"status": 200, "body": "..."}`.
///
/// The body is decoded as UTF-8 (invalid bytes become U+FFFD) and cut at
/// ``HTTPTaskConfiguration/maximumResultBodyBytes``, so one large answer cannot bloat the tasks
/// table; when it was cut, `"bodyTruncated": true` is stored too.
public struct HTTPTaskResult: Codable, Sendable, Hashable {
    /// The HTTP status code, 200–299.
    public var status: Int
    /// The response body, as text, at most ``HTTPTaskConfiguration/maximumResultBodyBytes`` bytes of it.
    public var body: String
    /// True when the body was longer than the limit and was cut.
    public var bodyTruncated: Bool

    /// A result, for handlers and tests that build one.
    public init(status: Int, body: String, bodyTruncated: Bool = false) {
        self.status = status
        self.body = body
        self.bodyTruncated = bodyTruncated
    }

    private enum CodingKeys: String, CodingKey { case status, body, bodyTruncated }

    /// Reads a stored result; a missing `bodyTruncated` is false.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.status = try container.decode(Int.self, forKey: .status)
        self.body = try container.decode(String.self, forKey: .body)
        self.bodyTruncated = try container.decodeIfPresent(Bool.self, forKey: .bodyTruncated) ?? false
    }

    /// Writes `bodyTruncated` only when it is true, so the common result stays `{"body":…,"status":…}`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(status, forKey: .status)
        try container.encode(body, forKey: .body)
        if bodyTruncated { try container.encode(true, forKey: .bodyTruncated) }
    }
}
