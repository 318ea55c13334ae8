public import Hummingbird

/// The request context of every route: Hummingbird's core storage and, once the bearer token
/// middleware has run, the principal the request acts for.
public struct ServiceRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set by ``BearerTokenMiddleware``; nil on routes outside it (health, OpenAPI, signed URLs).
    public var principal: Principal?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.principal = nil
    }

    /// The principal; a route behind the token middleware always has one, so nil is a bug
    /// reported as 401 rather than a crash.
    public func requirePrincipal() throws -> Principal {
        guard let principal else {
            throw APIError(.unauthorized, code: "unauthorized", "a bearer token is required")
        }
        return principal
    }
}
