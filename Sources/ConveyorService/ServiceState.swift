public import Conveyor
import ConveyorArtifacts
public import Logging

/// What every route group shares: the client, the configuration, the token checker and the
/// rate limiter of job creation.
public struct ServiceState: Sendable {
    public let client: ConveyorClient
    public let configuration: ServiceConfiguration
    public let tokens: AccessTokens
    public let logger: Logger
    let createLimiter: RateLimiter
    /// Wakes the live feeds of `/v1/jobs/{id}/events`; runs with the application.
    public let jobEventNotifier: JobEventNotifier
    var artifactSigner: ArtifactURLSigner? { configuration.artifactSigner }

    public init(client: ConveyorClient, configuration: ServiceConfiguration, logger: Logger) {
        self.client = client
        self.configuration = configuration
        self.tokens = AccessTokens(client: client)
        self.logger = logger
        self.createLimiter = RateLimiter(
            ratePerSecond: configuration.createRatePerSecond, burst: configuration.createBurst)
        self.jobEventNotifier = JobEventNotifier(
            client: client, pollInterval: configuration.eventPollInterval, logger: logger)
    }
}
