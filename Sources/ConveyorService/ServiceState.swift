public import Conveyor
public import Logging

/// What every route group shares: the client, the configuration, the token checker and the
/// rate limiter of job creation.
public struct ServiceState: Sendable {
    public let client: ConveyorClient
    public let configuration: ServiceConfiguration
    public let tokens: AccessTokens
    public let logger: Logger
    let createLimiter: RateLimiter

    public init(client: ConveyorClient, configuration: ServiceConfiguration, logger: Logger) {
        self.client = client
        self.configuration = configuration
        self.tokens = AccessTokens(client: client)
        self.logger = logger
        self.createLimiter = RateLimiter(
            ratePerSecond: configuration.createRatePerSecond, burst: configuration.createBurst)
    }
}
