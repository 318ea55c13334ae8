public import Foundation

/// A bearer token of the HTTP service, as stored: never the token itself, only its SHA-256.
///
/// A token acts for one owner (a user or tenant id): it sees and acts on that owner's jobs only.
/// An admin token sees every owner's jobs and reaches the operations endpoints.
public struct AccessToken: Sendable, Hashable {
    /// What a token may reach.
    public enum Role: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
        /// The owner's own jobs.
        case owner
        /// Every job, and the operations endpoints such as `/v1/stats`.
        case admin

        public var description: String { rawValue }
    }

    public var id: Int64
    public var owner: String
    public var role: Role
    /// A note for people, such as where the token is used.
    public var label: String?
    public var createdAt: Date
    /// When it was revoked; a revoked token authenticates nothing.
    public var revokedAt: Date?

    public init(id: Int64, owner: String, role: Role, label: String?, createdAt: Date, revokedAt: Date?) {
        self.id = id
        self.owner = owner
        self.role = role
        self.label = label
        self.createdAt = createdAt
        self.revokedAt = revokedAt
    }
}
