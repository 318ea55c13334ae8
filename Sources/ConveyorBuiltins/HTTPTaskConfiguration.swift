public import AsyncHTTPClient

/// What the built-in `http` task may call, and how.
///
/// ```swift
/// let client = HTTPTaskConfiguration.makeClient()
/// let http = try HTTPTaskConfiguration(allowedHosts: ["api.example.com", "*.internal.example"], client: client)
/// // … run the worker, then:
/// try await client.shutdown()
/// ```
public struct HTTPTaskConfiguration: Sendable {
    /// The hosts tasks may call; a task for any other host is discarded and no request is made.
    public var allowedHosts: HostAllowList
    /// The client requests go through. It should not follow redirects (see ``makeClient()``):
    /// the allow-list is checked before the request, and a redirect could lead elsewhere. When a
    /// client does follow one to a host off the list, the answer is refused and the task discarded.
    public var client: HTTPClient
    /// The most response-body bytes stored as a task's result (default 64 KiB); the rest is dropped
    /// and the result says `"bodyTruncated": true`.
    public var maximumResultBodyBytes: Int
    /// How long a request may take when its task gives no `timeoutMs` (default 30 s).
    public var defaultTimeout: Duration
    /// The longest `timeoutMs` a task may ask for (default 15 minutes); a longer one discards the task.
    public var maximumTimeout: Duration
    /// The longest `Retry-After` honoured (default 24 hours); a longer one is shortened to this.
    public var maximumRetryAfter: Duration

    /// - Parameters:
    ///   - allowedHosts: host names, `host:port` or `*.domain` entries; see ``HostAllowList``.
    ///   - client: the HTTP client to send requests with; you shut it down.
    /// - Throws: a `ConveyorError` naming an entry of `allowedHosts` that is not a host.
    public init(
        allowedHosts: [String],
        client: HTTPClient,
        maximumResultBodyBytes: Int = 65_536,
        defaultTimeout: Duration = .seconds(30),
        maximumTimeout: Duration = .seconds(900),
        maximumRetryAfter: Duration = .seconds(86_400)
    ) throws {
        self.allowedHosts = try HostAllowList(allowedHosts)
        self.client = client
        self.maximumResultBodyBytes = max(0, maximumResultBodyBytes)
        self.defaultTimeout = defaultTimeout
        self.maximumTimeout = maximumTimeout
        self.maximumRetryAfter = maximumRetryAfter
    }

    /// A client on the shared event loops that never follows redirects, so that a redirect cannot
    /// take a task to a host off the allow-list. Shut it down when the worker has stopped.
    public static func makeClient() -> HTTPClient {
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }
}
