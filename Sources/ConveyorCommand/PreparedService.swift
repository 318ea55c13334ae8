import ServiceLifecycle

/// Runs a preparation step (migrating or checking the schema), then a service, as one service.
///
/// Preparation needs the connection pool running, so it cannot happen before the service group
/// starts; wrapping it here keeps the worker from starting until the schema is ready, and a
/// failed preparation ends the group with its error.
struct PreparedService: Service {
    var prepare: @Sendable () async throws -> Void
    var service: any Service

    func run() async throws {
        try await prepare()
        try await service.run()
    }
}
