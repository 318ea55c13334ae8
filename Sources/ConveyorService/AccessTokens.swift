public import Conveyor
import Crypto
import Foundation

/// Issues, revokes, lists and checks bearer tokens. A token is shown once, when issued; only its
/// SHA-256 is stored, so the database cannot give it back.
///
/// ```swift
/// let tokens = AccessTokens(client: client)
/// let issued = try await tokens.issue(owner: "user-42", role: .owner)
/// print(issued.token)   // cvy_…, hand it to the client now: it cannot be read again
/// ```
public struct AccessTokens: Sendable {
    /// Starts every token, so one found in a log or a repository is recognisable.
    public static let prefix = "cvy_"

    let client: ConveyorClient

    public init(client: ConveyorClient) {
        self.client = client
    }

    /// A token and its stored record.
    public struct Issued: Sendable {
        /// The bearer token: shown now, never stored.
        public var token: String
        public var record: AccessToken
    }

    /// Issues a token for `owner`. Throws `.invalidInput` for an empty or over-long owner id.
    public func issue(owner: String, role: AccessToken.Role, label: String? = nil) async throws -> Issued {
        guard !owner.isEmpty, owner.utf8.count <= 200, !owner.contains(where: \.isNewline) else {
            throw ConveyorError(.invalidInput, "an owner id is 1 to 200 bytes on one line")
        }
        var generator = SystemRandomNumberGenerator()
        let secret = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let token = Self.prefix + Self.base64URL(secret)
        let record = try await client.driver.tokenInsert(
            .init(owner: owner, role: role, sha256: Self.hash(token), label: label))
        return Issued(token: token, record: record)
    }

    /// Revokes by id (all digits) or by the token itself. Returns false when no unrevoked token matched.
    public func revoke(_ idOrToken: String) async throws -> Bool {
        if let id = Int64(idOrToken), !idOrToken.hasPrefix(Self.prefix) {
            return try await client.driver.tokenRevoke(.id(id))
        }
        return try await client.driver.tokenRevoke(.sha256(Self.hash(idOrToken)))
    }

    /// Every token, revoked ones included, oldest first.
    public func list() async throws -> [AccessToken] {
        try await client.driver.tokenList()
    }

    /// The principal a bearer token acts for; nil for an unknown or revoked token. Reads the
    /// database each time, so a revocation holds from the next request on.
    public func authenticate(_ token: String) async throws -> Principal? {
        guard token.hasPrefix(Self.prefix), token.utf8.count <= 200 else { return nil }
        guard let record = try await client.driver.tokenFindActive(sha256: Self.hash(token)) else { return nil }
        return Principal(owner: record.owner, role: record.role, tokenID: record.id)
    }

    /// Lowercase hex SHA-256 of the token text.
    static func hash(_ token: String) -> String {
        SHA256.hash(data: Array(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    static func base64URL(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
