import Conveyor
import HTTPTypes
public import Hummingbird
import Logging
import NIOCore

/// Turns every error a route or the router throws into the one error format, and logs what the
/// client is not told (database failures, bugs) without SQL, tokens or stack traces.
public struct ErrorMiddleware: RouterMiddleware {
    public typealias Context = ServiceRequestContext

    public init() {}

    public func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let answer = Self.apiError(for: error)
            if answer.status.code >= 500 {
                context.logger.error(
                    "request failed",
                    metadata: [
                        "method": "\(request.method)", "path": "\(request.uri.path)",
                        "error": "\(Self.describe(error))",
                    ])
            }
            return try answer.response(from: request, context: context)
        }
    }

    /// The answer for any error: API errors as they are, others mapped by kind.
    static func apiError(for error: any Error) -> APIError {
        switch error {
        case let error as APIError:
            return error
        case let error as ConveyorError:
            return apiError(for: error)
        case let error as HTTPError:
            return apiError(for: error)
        case is NIOTooManyBytesError:
            return APIError(.contentTooLarge, code: "payload_too_large", "the request body is too large")
        default:
            return APIError(.internalServerError, code: "internal_error", "the server failed to answer; try again")
        }
    }

    static func apiError(for error: ConveyorError) -> APIError {
        switch error.code {
        case .invalidInput: return APIError(.badRequest, code: "invalid_input", error.message)
        case .notFound: return APIError(.notFound, code: "not_found", error.message)
        case .databaseUnavailable:
            return APIError(.serviceUnavailable, code: "unavailable", "the database is unavailable; try again")
        default:
            return APIError(.internalServerError, code: "internal_error", "the server failed to answer; try again")
        }
    }

    static func apiError(for error: HTTPError) -> APIError {
        let code: String
        let message: String
        switch error.status {
        case .notFound:
            (code, message) = ("not_found", "no such endpoint")
        case .methodNotAllowed:
            (code, message) = ("method_not_allowed", "the endpoint does not take this method")
        case .contentTooLarge:
            (code, message) = ("payload_too_large", "the request body is too large")
        case .badRequest:
            (code, message) = ("invalid_request", error.body ?? "the request is malformed")
        case .unauthorized:
            (code, message) = ("unauthorized", "a valid bearer token is required")
        default:
            (code, message) = (
                error.status.code >= 500 ? "internal_error" : "invalid_request",
                error.status.code >= 500 ? "the server failed to answer; try again" : error.status.reasonPhrase
            )
        }
        return APIError(error.status, code: code, message, headers: error.headers)
    }

    /// What the log says of an error: a Conveyor error's debug text (no SQL, since drivers' errors
    /// carry only the server's message), or the error's type for anything else.
    static func describe(_ error: any Error) -> String {
        if let error = error as? ConveyorError { return error.description }
        return String(describing: type(of: error))
    }
}
