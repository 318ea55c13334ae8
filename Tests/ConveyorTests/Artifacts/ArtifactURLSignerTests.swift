import Conveyor
import ConveyorArtifacts
import Foundation
import Testing

@Suite("Artifact URL signer", .boundedParallelism, .timeLimit(.minutes(10)))
struct ArtifactURLSignerTests {
    static let secret = Array(repeating: UInt8(7), count: 32)
    static let now = Date(timeIntervalSince1970: 1_767_225_600)

    /// The path and the two query values of a signed URL, as the HTTP route receives them.
    struct Parts {
        var path: String
        var expires: String
        var signature: String

        init(_ url: String) throws {
            let components = try #require(URLComponents(string: url))
            path = components.percentEncodedPath
            let items = components.queryItems ?? []
            expires = try #require(items.first { $0.name == "expires" }?.value)
            signature = try #require(items.first { $0.name == "signature" }?.value)
        }
    }

    func signed(
        _ signer: ArtifactURLSigner, owner: String = "alice@example.com", expiresIn: TimeInterval = 900
    ) throws -> Parts {
        let key = try ArtifactKey(owner: owner, jobID: 42, taskID: 43, name: "chapter 1.mp3")
        return try Parts(signer.sign(key, expiresAt: Self.now.addingTimeInterval(expiresIn)))
    }

    @Test("a signed URL is the artifact path with expires and signature, and verifies until it expires")
    func valid() throws {
        let signer = try ArtifactURLSigner(secret: Self.secret)
        let key = try ArtifactKey(owner: "alice@example.com", jobID: 42, taskID: 43, name: "chapter 1.mp3")
        let url = signer.sign(key, expiresAt: Self.now.addingTimeInterval(900))
        #expect(url.hasPrefix("/v1/artifacts/alice%40example.com/42/43/chapter%201.mp3?expires=1767226500&signature="))
        let parts = try Parts(url)
        #expect(parts.signature.count == 64)
        #expect(signer.verify(path: parts.path, expires: parts.expires, signature: parts.signature, now: Self.now))
        #expect(
            signer.verify(
                path: parts.path, expires: parts.expires, signature: parts.signature,
                now: Self.now.addingTimeInterval(899)
            )
        )
        #expect(signer.key(forPath: parts.path) == key)
    }

    @Test("an expired URL is refused, from the second of its expiry on")
    func expired() throws {
        let signer = try ArtifactURLSigner(secret: Self.secret)
        let parts = try signed(signer)
        for later in [900.0, 901, 86_400] {
            #expect(
                !signer.verify(
                    path: parts.path, expires: parts.expires, signature: parts.signature,
                    now: Self.now.addingTimeInterval(later)
                )
            )
        }
    }

    @Test("a URL with another path is refused")
    func tamperedPath() throws {
        let signer = try ArtifactURLSigner(secret: Self.secret)
        let parts = try signed(signer)
        for path in [
            "/v1/artifacts/alice%40example.com/42/43/chapter%202.mp3",
            "/v1/artifacts/bob/42/43/chapter%201.mp3",
            "/v1/artifacts/alice@example.com/42/43/chapter%201.mp3",
            "/v1/artifacts/alice%40example.com/42/43/chapter%201.mp3/",
            "/v2/artifacts/alice%40example.com/42/43/chapter%201.mp3",
        ] {
            #expect(!signer.verify(path: path, expires: parts.expires, signature: parts.signature, now: Self.now))
        }
    }

    @Test("a URL with a changed expiry is refused")
    func tamperedExpiry() throws {
        let signer = try ArtifactURLSigner(secret: Self.secret)
        let parts = try signed(signer)
        let later = String(Int64(parts.expires)! + 3600)
        for expires in [
            later, "0" + parts.expires, "+" + parts.expires, parts.expires + " ", "", "99999999999999999999",
        ] {
            #expect(!signer.verify(path: parts.path, expires: expires, signature: parts.signature, now: Self.now))
        }
    }

    @Test("a changed or missing signature is refused")
    func tamperedSignature() throws {
        let signer = try ArtifactURLSigner(secret: Self.secret)
        let parts = try signed(signer)
        let flipped = String(parts.signature.dropLast()) + (parts.signature.hasSuffix("0") ? "1" : "0")
        for signature in [flipped, String(parts.signature.dropLast(2)), parts.signature + "00", "zz", ""] {
            #expect(!signer.verify(path: parts.path, expires: parts.expires, signature: signature, now: Self.now))
        }
        #expect(!signer.verify(path: parts.path, expires: parts.expires, signature: nil, now: Self.now))
        #expect(!signer.verify(path: parts.path, expires: nil, signature: parts.signature, now: Self.now))
    }

    @Test("a URL signed with another secret is refused")
    func wrongKey() throws {
        let signer = try ArtifactURLSigner(secret: Self.secret)
        let other = try ArtifactURLSigner(secret: Array(repeating: UInt8(8), count: 32))
        let parts = try signed(other)
        #expect(!signer.verify(path: parts.path, expires: parts.expires, signature: parts.signature, now: Self.now))
        #expect(other.verify(path: parts.path, expires: parts.expires, signature: parts.signature, now: Self.now))
    }

    @Test("a short secret or a malformed prefix is a configuration error")
    func configuration() throws {
        let error = #expect(throws: ConveyorError.self) {
            try ArtifactURLSigner(secret: Array(repeating: 1, count: 31))
        }
        #expect(error?.code == .invalidConfiguration)
        #expect(throws: ConveyorError.self) { try ArtifactURLSigner(secret: Self.secret, pathPrefix: "/files") }
        let custom = try ArtifactURLSigner(secret: Self.secret, pathPrefix: "/files/")
        let parts = try signed(custom)
        #expect(parts.path.hasPrefix("/files/"))
        #expect(custom.verify(path: parts.path, expires: parts.expires, signature: parts.signature, now: Self.now))
    }

    @Test("only artifact paths name keys")
    func keyForPath() throws {
        let signer = try ArtifactURLSigner(secret: Self.secret)
        #expect(signer.key(forPath: "/v1/jobs/1") == nil)
        #expect(signer.key(forPath: "/v1/artifacts/alice/1/2/a%2Fb") == nil)
        #expect(signer.key(forPath: "/v1/artifacts/alice/1/2/a.txt")?.name == "a.txt")
    }
}
