/// Settings of the maintenance services, which run only on the elected leader.
public struct MaintenanceConfiguration: Sendable {
    /// How long the leader's seat is held between re-elections (default 15 s; re-elected every third of it).
    public var leaderTTL: Duration
    /// How often expired leases are rescued (default 5 s).
    public var rescueInterval: Duration
    /// Backoff for rescued tasks (default: the standard policy).
    public var rescueRetryPolicy: RetryPolicy
    /// How often scheduled and retryable tasks whose time has come are made available (default 1 s).
    public var promoteInterval: Duration
    /// How often old finished tasks are deleted (default 60 s).
    public var pruneInterval: Duration
    /// How long completed and cancelled tasks are kept (default 24 hours).
    public var completedRetention: Duration
    /// How long discarded tasks (dead letters) are kept (default 7 days).
    public var discardedRetention: Duration

    public init(
        leaderTTL: Duration = .seconds(15),
        rescueInterval: Duration = .seconds(5),
        rescueRetryPolicy: RetryPolicy = .default,
        promoteInterval: Duration = .seconds(1),
        pruneInterval: Duration = .seconds(60),
        completedRetention: Duration = .seconds(86_400),
        discardedRetention: Duration = .seconds(7 * 86_400)
    ) {
        self.leaderTTL = leaderTTL
        self.rescueInterval = rescueInterval
        self.rescueRetryPolicy = rescueRetryPolicy
        self.promoteInterval = promoteInterval
        self.pruneInterval = pruneInterval
        self.completedRetention = completedRetention
        self.discardedRetention = discardedRetention
    }
}
