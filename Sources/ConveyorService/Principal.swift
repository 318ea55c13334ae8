public import Conveyor

/// Who a request acts for: the owner and role of its bearer token.
public struct Principal: Sendable, Hashable {
    /// The owner whose jobs the request sees and acts on.
    public var owner: String
    public var role: AccessToken.Role
    /// The token's id, which keys its rate limit.
    public var tokenID: Int64

    public init(owner: String, role: AccessToken.Role, tokenID: Int64) {
        self.owner = owner
        self.role = role
        self.tokenID = tokenID
    }

    /// Admins see every owner's jobs and reach the operations endpoints.
    public var isAdmin: Bool { role == .admin }

    /// The owner a list or lookup is limited to: nil for an admin, who sees all.
    public var ownerFilter: String? { isAdmin ? nil : owner }

    /// Whether this principal may see a job or artifact of `owner`.
    public func canSee(owner other: String) -> Bool { isAdmin || other == owner }
}
