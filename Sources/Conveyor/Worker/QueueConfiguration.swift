/// How a worker runs one queue.
public struct QueueConfiguration: Sendable, Hashable {
    public var name: String
    /// Tasks of this queue this worker runs at once.
    public var concurrency: Int
    /// How long one attempt may run unless its definition says otherwise (default 30 minutes).
    public var timeout: Duration
    /// Backoff between attempts unless the definition says otherwise.
    public var retryPolicy: RetryPolicy

    public init(
        _ name: String,
        concurrency: Int = 10,
        timeout: Duration = .seconds(1800),
        retryPolicy: RetryPolicy = .default
    ) {
        self.name = name
        self.concurrency = concurrency
        self.timeout = timeout
        self.retryPolicy = retryPolicy
    }
}
