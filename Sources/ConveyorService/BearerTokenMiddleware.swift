import Foundation
import HTTPTypes
public import Hummingbird

/// Authenticates `Authorization: Bearer <token>` on every request it guards and puts the
/// principal in the context; a missing, unknown or revoked token is 401 in the one error format.
///
/// The token is looked up on every request (one indexed read), so a revocation takes effect on
/// the next request, on every replica.
public struct BearerTokenMiddleware: RouterMiddleware {
    public typealias Context = ServiceRequestContext

    let tokens: AccessTokens

    public init(tokens: AccessTokens) {
        self.tokens = tokens
    }

    public func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard let header = request.headers[.authorization] else {
            throw Self.unauthorized("send the header 'Authorization: Bearer <token>'")
        }
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throw Self.unauthorized("the Authorization header must be 'Bearer <token>'")
        }
        guard let principal = try await tokens.authenticate(String(parts[1]).trimmingCharacters(in: .whitespaces))
        else {
            throw Self.unauthorized("the bearer token is unknown or revoked")
        }
        var context = context
        context.principal = principal
        return try await next(request, context)
    }

    static func unauthorized(_ message: String) -> APIError {
        APIError(.unauthorized, code: "unauthorized", message, headers: [.wwwAuthenticate: "Bearer"])
    }
}
