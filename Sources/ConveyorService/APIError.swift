import Foundation
public import HTTPTypes
public import Hummingbird

/// An error answer of the API, always in the one format `{"error": {"code", "message"}}`.
///
/// `message` says what to fix and never holds SQL, stack traces or tokens.
public struct APIError: Error, HTTPResponseError, Sendable {
    public var status: HTTPResponse.Status
    /// Stable, machine-readable: `invalid_json`, `unknown_field`, `not_found`, `rate_limited`…
    public var code: String
    public var message: String
    /// Extra headers, such as `Retry-After` or `WWW-Authenticate`.
    public var headers: HTTPFields

    public init(_ status: HTTPResponse.Status, code: String, _ message: String, headers: HTTPFields = [:]) {
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers
    }

    /// A 404 that reads the same whether the id does not exist or belongs to another owner.
    public static func notFound(_ what: String) -> APIError {
        APIError(.notFound, code: "not_found", "there is no \(what)")
    }

    public static func badRequest(_ code: String = "invalid_request", _ message: String) -> APIError {
        APIError(.badRequest, code: code, message)
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers = self.headers
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    /// The JSON body, built by hand so encoding can never fail.
    var body: [UInt8] {
        struct Envelope: Encodable {
            struct Detail: Encodable {
                var code: String
                var message: String
            }
            var error: Detail
        }
        let envelope = Envelope(error: .init(code: code, message: message))
        return Array(
            (try? JSONEncoder().encode(envelope)) ?? Data(#"{"error":{"code":"internal_error","message":""}}"#.utf8))
    }
}
