public import Conveyor
public import Hummingbird
public import Logging
import NIOCore

/// The HTTP service: the job API under `/v1`, health checks and the OpenAPI document.
///
/// ```swift
/// let app = ConveyorService.buildApplication(client: client, configuration: .init(port: 8787), logger: logger)
/// try await ServiceGroup(services: [postgres, app], gracefulShutdownSignals: [.sigterm], logger: logger).run()
/// ```
///
/// Every route group lives in its own file and is registered with one line in ``buildRouter(state:)``.
public enum ConveyorService {
    /// The application, ready to run as a service.
    ///
    /// - Parameter onListening: called with the port once the server listens (the one the system
    ///   chose when the configured port is 0).
    public static func buildApplication(
        client: ConveyorClient, configuration: ServiceConfiguration, logger: Logger,
        onListening: @escaping @Sendable (_ port: Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let state = ServiceState(client: client, configuration: configuration, logger: logger)
        return Application(
            router: buildRouter(state: state),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: nil),
            services: [state.jobEventNotifier],
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? configuration.port) },
            logger: logger
        )
    }

    /// Checks that the database lets the service enter an owner's scope (on PostgreSQL: that the
    /// connecting user may take the `{schema}_api` role), so a deployment that lacks the grant
    /// fails at start with what to do, rather than answering 500 to every owner's request.
    public static func checkOwnerScope(client: ConveyorClient) async throws {
        do {
            try await client.driver.withOwnerScope("") { _ in }
        } catch let error as ConveyorError {
            throw ConveyorError(
                .invalidConfiguration,
                "the database user cannot enter an owner's scope (\(error.message)): the user that runs 'conveyor serve' must be a member of the role <schema>_api, which 'conveyor migrate' grants to the user that migrates; e.g. GRANT conveyor_api TO app_user",
                underlying: error)
        }
    }

    /// The router with every route group; tests drive it in-process.
    public static func buildRouter(state: ServiceState) -> Router<ServiceRequestContext> {
        let router = Router(context: ServiceRequestContext.self)
        // First, so it wraps every route and the not-found answer.
        router.add(middleware: ErrorMiddleware())

        // Unauthenticated: liveness, readiness, the API description.
        HealthRoutes(state: state).register(on: router.group())
        OpenAPIRoutes().register(on: router.group())

        // `/v1` without a bearer token: only for routes that carry their own proof (signed URLs).
        let v1 = router.group("v1")
        ArtifactsRoutes(state: state).registerDownloads(on: v1)

        // `/v1` behind a bearer token: one line per route group.
        let authenticated = router.group("v1").add(middleware: BearerTokenMiddleware(tokens: state.tokens))
        JobsRoutes(state: state).register(on: authenticated)
        StatsRoutes(state: state).register(on: authenticated)
        EventsRoutes(state: state).register(on: authenticated)
        ArtifactsRoutes(state: state).register(on: authenticated)
        return router
    }
}
