public import Conveyor
import Crypto
public import Foundation

/// Signs and checks the expiring download URLs Conveyor's HTTP service serves artifacts under.
///
/// A URL is `{pathPrefix}{storageKey}?expires={unix seconds}&signature={hex}`, where the signature
/// is HMAC-SHA256, under a server secret, of `conveyor-artifact-v1`, the path and the expiry, one
/// per line. Changing the path, the expiry or the signature, or signing with another secret, makes
/// `verify` false, as does reaching the expiry; the service answers 403 either way. Signatures are
/// compared in constant time.
///
/// ```swift
/// let signer = try ArtifactURLSigner(secret: secretBytes)
/// let url = signer.sign(key, expiresAt: Date().addingTimeInterval(900))
/// // "/v1/artifacts/alice/42/43/chapter-1.mp3?expires=1767225600&signature=5f0c…"
/// // in the route, with the path exactly as received (not percent-decoded):
/// guard signer.verify(path: request.uri.path, expires: query["expires"], signature: query["signature"], now: Date())
/// else { return 403 }
/// ```
public struct ArtifactURLSigner: Sendable {
    /// Where the HTTP service serves artifacts.
    public static let defaultPathPrefix = "/v1/artifacts/"
    /// The shortest secret accepted: as long as the HMAC-SHA256 output.
    public static let minimumSecretLength = 32
    /// Names the signing scheme, so a future change cannot collide with it.
    static let version = "conveyor-artifact-v1"

    /// Starts every path this signer signs and accepts, with a trailing slash.
    public let pathPrefix: String
    private let key: SymmetricKey

    /// A signer with a secret of at least 32 random bytes, kept by the server (for instance from
    /// the secrets table or an environment variable). Throws `ConveyorError(.invalidConfiguration)`
    /// for a shorter secret or a prefix that does not start and end with a slash.
    public init(secret: [UInt8], pathPrefix: String = ArtifactURLSigner.defaultPathPrefix) throws {
        guard secret.count >= Self.minimumSecretLength else {
            throw ConveyorError(
                .invalidConfiguration,
                "artifact URL secret is \(secret.count) bytes; use at least \(Self.minimumSecretLength) random bytes"
            )
        }
        guard pathPrefix.hasPrefix("/"), pathPrefix.hasSuffix("/") else {
            throw ConveyorError(
                .invalidConfiguration, "artifact URL path prefix \"\(pathPrefix)\" must start and end with a slash"
            )
        }
        self.key = SymmetricKey(data: secret)
        self.pathPrefix = pathPrefix
    }

    /// The path and query of a URL that serves `key` until `expiresAt` (to the second, rounded
    /// down); prefix it with the service's public origin.
    public func sign(_ key: ArtifactKey, expiresAt: Date) -> String {
        let path = pathPrefix + key.storageKey
        let expires = String(Int64(expiresAt.timeIntervalSince1970.rounded(.down)))
        return "\(path)?expires=\(expires)&signature=\(signature(path: path, expires: expires))"
    }

    /// True when `signature` was made by this signer for `path` and `expires`, and `now` is before
    /// `expires`. Pass the path as received, without percent-decoding it, and the two query
    /// values as given; a missing value is false.
    public func verify(path: String, expires: String?, signature: String?, now: Date) -> Bool {
        guard let expires, let signature, path.hasPrefix(pathPrefix),
            expires.utf8.count <= 19, !expires.isEmpty, expires.utf8.allSatisfy({ (0x30...0x39).contains($0) }),
            let expiry = Int64(expires), now.timeIntervalSince1970 < Double(expiry),
            let provided = Hex.decode(signature)
        else { return false }
        return HMAC<SHA256>.isValidAuthenticationCode(
            provided, authenticating: message(path: path, expires: expires), using: key)
    }

    /// The key a path this signer accepts names, or nil when the path is not one of its URLs.
    public func key(forPath path: String) -> ArtifactKey? {
        guard path.hasPrefix(pathPrefix) else { return nil }
        return try? ArtifactKey(storageKey: String(path.dropFirst(pathPrefix.count)))
    }

    private func message(path: String, expires: String) -> [UInt8] {
        Array("\(Self.version)\n\(path)\n\(expires)".utf8)
    }

    private func signature(path: String, expires: String) -> String {
        Hex.encode(HMAC<SHA256>.authenticationCode(for: message(path: path, expires: expires), using: key))
    }
}
