import Conveyor
import Foundation
import Hummingbird
import Logging

/// `GET /healthz` (the process answers) and `GET /readyz` (the database answers and is migrated).
struct HealthRoutes {
    let state: ServiceState

    func register(on group: RouterGroup<ServiceRequestContext>) {
        group.get("healthz") { _, _ in
            HealthStatus(status: "ok")
        }
        group.get("readyz") { _, context -> HealthStatus in
            do {
                if let check = state.configuration.readinessCheck {
                    try await check()
                } else {
                    _ = try await state.client.workers()
                }
                return HealthStatus(status: "ready")
            } catch {
                context.logger.warning("not ready", metadata: ["error": "\(ErrorMiddleware.describe(error))"])
                // Says nothing about where the database is: this endpoint needs no token.
                throw APIError(.serviceUnavailable, code: "not_ready", "the database is unreachable or not migrated")
            }
        }
    }
}

/// The body of a health answer.
struct HealthStatus: ResponseCodable {
    var status: String
}
