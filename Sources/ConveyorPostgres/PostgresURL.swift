import Conveyor
import Foundation
public import Logging
public import PostgresNIO

/// A PostgreSQL URL, `postgres://user:password@host:port/database?sslmode=disable`, read once.
///
/// `sslmode` may be `disable` (the default for loopback hosts), `prefer` (the default otherwise)
/// or `require`. A malformed URL is an error that says what to fix.
public struct PostgresURL: Sendable, CustomStringConvertible {
    public enum SSLMode: String, Sendable { case disable, prefer, require }

    public var host: String
    public var port: Int
    public var user: String
    public var password: String?
    public var database: String?
    public var sslMode: SSLMode

    public init(_ url: String) throws {
        guard let components = URLComponents(string: url), let scheme = components.scheme,
            ["postgres", "postgresql"].contains(scheme.lowercased())
        else {
            throw ConveyorError(
                .invalidConfiguration,
                "database URL '\(Self.redacted(url))' is not a PostgreSQL URL; expected postgres://user:password@host:port/database"
            )
        }
        guard let host = components.host, !host.isEmpty else {
            throw ConveyorError(.invalidConfiguration, "database URL '\(Self.redacted(url))' has no host")
        }
        self.host = host
        self.port = components.port ?? 5432
        self.user = components.user.flatMap { $0.removingPercentEncoding } ?? "postgres"
        self.password = components.password.flatMap { $0.removingPercentEncoding }
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        self.database = path.isEmpty ? nil : path
        let mode = components.queryItems?.first { $0.name.lowercased() == "sslmode" }?.value?.lowercased()
        let isLoopback = ["localhost", "127.0.0.1", "::1"].contains(host)
        switch mode ?? (isLoopback ? "disable" : "prefer") {
        case "disable": sslMode = .disable
        case "prefer", "allow": sslMode = .prefer
        case "require", "verify-ca", "verify-full": sslMode = .require
        case let other:
            throw ConveyorError(
                .invalidConfiguration, "sslmode '\(other)' in the database URL is not one of disable, prefer, require"
            )
        }
    }

    /// The URL with its password hidden, for messages and logs.
    public var description: String {
        "postgres://\(user)\(password == nil ? "" : ":***")@\(host):\(port)/\(database ?? "")"
    }

    static func redacted(_ url: String) -> String {
        guard var components = URLComponents(string: url), components.password != nil else { return url }
        components.password = "***"
        return components.string ?? url
    }

    /// A configuration for a `PostgresClient` pool.
    public func clientConfiguration(maximumConnections: Int = 20) -> PostgresClient.Configuration {
        let tls: PostgresClient.Configuration.TLS =
            switch sslMode {
            case .disable: .disable
            case .prefer: .prefer(.makeClientConfiguration())
            case .require: .require(.makeClientConfiguration())
            }
        var configuration = PostgresClient.Configuration(
            host: host, port: port, username: user, password: password, database: database, tls: tls
        )
        configuration.options.connectTimeout = .seconds(5)
        configuration.options.maximumConnections = maximumConnections
        // No pool keep-alive pings. With them on (postgres-nio 1.33), a connection released to
        // the pool starts a keep-alive timer task; under Conveyor's load (hundreds to thousands of
        // short statements a second) these piled up and a worker's resident memory grew by
        // about 375 bytes per statement for as long as it ran. A dead idle connection still
        // surfaces as a failed statement, which every Conveyor loop logs and retries, and idle
        // connections beyond the minimum close after the pool's idle timeout.
        configuration.options.keepAliveBehavior = nil
        return configuration
    }

    /// Connects once, directly, so an unreachable or refusing server is a clear error at start
    /// instead of queries that wait.
    public func checkConnection(logger: Logger) async throws {
        let tls: PostgresConnection.Configuration.TLS
        switch sslMode {
        case .disable: tls = .disable
        case .prefer: tls = .prefer(try .init(configuration: .makeClientConfiguration()))
        case .require: tls = .require(try .init(configuration: .makeClientConfiguration()))
        }
        var configuration = PostgresConnection.Configuration(
            host: host, port: port, username: user, password: password, database: database, tls: tls
        )
        configuration.options.connectTimeout = .seconds(5)
        do {
            let connection = try await PostgresConnection.connect(configuration: configuration, id: 0, logger: logger)
            try await connection.close()
        } catch let error as PSQLError {
            let detail = error.serverInfo?[.message] ?? Self.describe(error)
            throw ConveyorError(
                .databaseUnavailable,
                "cannot connect to PostgreSQL at \(self): \(detail). Check that the server runs and that host, port, user and database are right",
                underlying: error
            )
        } catch {
            throw ConveyorError(
                .databaseUnavailable, "cannot connect to PostgreSQL at \(self): \(error)", underlying: error)
        }
    }

    private static func describe(_ error: PSQLError) -> String {
        if let underlying = error.underlying { return "\(underlying)" }
        return "\(error.code)"
    }
}
