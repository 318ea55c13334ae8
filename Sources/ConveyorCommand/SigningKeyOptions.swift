import ArgumentParser
import Conveyor
import ConveyorArtifacts
import Foundation

/// `--signing-key`: the secret the HTTP service signs artifact download URLs with.
struct SigningKeyOptions: ParsableArguments {
    static let variable = "CONVEYOR_SIGNING_KEY"

    @Option(
        help: ArgumentHelp(
            "Secret that signs artifact download URLs, at least 32 characters (default: $\(SigningKeyOptions.variable)).",
            valueName: "secret"))
    var signingKey: String?

    var key: String? {
        signingKey ?? ProcessInfo.processInfo.environment[Self.variable].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The signer for the given key; without one, `conveyor serve` cannot start.
    func requiredSigner() throws -> ArtifactURLSigner {
        guard let key else {
            throw ConveyorError(
                .invalidConfiguration,
                "conveyor serve needs a key to sign artifact download URLs: pass --signing-key or set \(Self.variable) to at least 32 random characters (for instance from 'openssl rand -hex 32')"
            )
        }
        return try signer(key)
    }

    /// The signer for the given key, or for a random one that lasts as long as the process (`conveyor dev`).
    func signerOrGenerated() throws -> ArtifactURLSigner {
        if let key { return try signer(key) }
        var generator = SystemRandomNumberGenerator()
        return try ArtifactURLSigner(secret: (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
    }

    private func signer(_ key: String) throws -> ArtifactURLSigner {
        guard key.utf8.count >= ArtifactURLSigner.minimumSecretLength else {
            throw ConveyorError(
                .invalidConfiguration,
                "the signing key (--signing-key or \(Self.variable)) is \(key.utf8.count) characters; use at least \(ArtifactURLSigner.minimumSecretLength) random characters (for instance from 'openssl rand -hex 32')"
            )
        }
        return try ArtifactURLSigner(secret: Array(key.utf8))
    }
}
