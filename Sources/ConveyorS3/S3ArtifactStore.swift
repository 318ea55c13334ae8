public import AsyncHTTPClient
public import Conveyor
import Crypto
public import Foundation
public import Logging
import NIOCore
import NIOHTTP1

/// Artifacts in a bucket of any S3-compatible service, served to clients by presigned URLs.
///
/// Objects are named by `ArtifactKey.storageKey`. Requests are signed with AWS Signature Version 4
/// (`AWSSignatureV4`), with the body's SHA-256 in `x-amz-content-sha256`, so the service rejects a
/// body damaged on the way. A PUT replaces an object whole, so a retried attempt overwrites its
/// artifact atomically. `download` returns a presigned GET URL that any HTTP client can fetch
/// until it expires (at most 7 days, S3's limit).
///
/// ```swift
/// let store = try S3ArtifactStore(configuration: configuration)
/// try await store.createBucket()  // once, if the bucket is not made elsewhere
/// let stored = try await store.put(key, bytes: audio, contentType: "audio/mpeg")
/// ```
public struct S3ArtifactStore: ArtifactStore {
    /// S3 refuses presigned URLs that live longer than this.
    public static let maximumURLLifetime: Duration = .seconds(7 * 24 * 3600)

    public let configuration: S3Configuration
    /// Keys per ListObjectsV2 page in `deleteAll` (S3's maximum, 1,000); tests make it small.
    package var listPageSize = 1000
    private let httpClient: HTTPClient
    private let signer: AWSSignatureV4
    /// `scheme://host[:port]`, and the `host[:port]` the requests are signed for.
    private let origin: String
    private let host: String
    private let logger: Logger
    private let now: @Sendable () -> Date

    /// A store for `configuration`; throws `ConveyorError(.invalidConfiguration)` saying what to
    /// fix for a malformed endpoint, an invalid bucket name, or a missing region or credential.
    /// `now` is the clock requests are signed with.
    public init(
        configuration: S3Configuration, httpClient: HTTPClient = .shared,
        logger: Logger = Logger(label: "conveyor.artifacts.s3"), now: @escaping @Sendable () -> Date = Date.init
    ) throws {
        let (origin, host) = try Self.parse(endpoint: configuration.endpoint)
        try Self.check(bucket: configuration.bucket)
        for (name, value) in [
            ("region", configuration.region), ("access key id", configuration.accessKeyID),
            ("secret access key", configuration.secretAccessKey),
        ] where value.isEmpty {
            throw ConveyorError(.invalidConfiguration, "S3 \(name) is empty: set it in the S3 configuration")
        }
        self.configuration = configuration
        self.httpClient = httpClient
        self.signer = AWSSignatureV4(
            accessKeyID: configuration.accessKeyID, secretAccessKey: configuration.secretAccessKey,
            sessionToken: configuration.sessionToken, region: configuration.region
        )
        self.origin = origin
        self.host = host
        self.logger = logger
        self.now = now
    }

    /// Creates the bucket; succeeds when it already exists and is ours.
    public func createBucket() async throws {
        var body: [UInt8] = []
        if configuration.region != "us-east-1" {
            body = Array(
                ("<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><LocationConstraint>"
                    + S3XML.escape(configuration.region) + "</LocationConstraint></CreateBucketConfiguration>").utf8
            )
        }
        let response = try await send(.PUT, path: bucketPath, body: body, what: "create bucket \(configuration.bucket)")
        if response.status == 409, response.errorCode == "BucketAlreadyOwnedByYou" { return }
        try response.requireSuccess("create bucket \(configuration.bucket)")
    }

    public func put(_ key: ArtifactKey, bytes: [UInt8], contentType: String) async throws -> StoredArtifact {
        try ArtifactContentType.check(contentType)
        let digest = Hex.encode(SHA256.hash(data: bytes))
        let response = try await send(
            .PUT, path: objectPath(key), headers: [("content-type", contentType)], body: bytes, payloadSHA256: digest,
            what: "write artifact \(key)"
        )
        try response.requireSuccess("write artifact \(key)")
        return StoredArtifact(key: key, size: bytes.count, contentType: contentType, sha256: digest)
    }

    public func get(_ key: ArtifactKey) async throws -> ArtifactContent? {
        let response = try await send(.GET, path: objectPath(key), what: "read artifact \(key)")
        if response.status == 404, response.errorCode == "NoSuchKey" { return nil }
        try response.requireSuccess("read artifact \(key)")
        let contentType = response.headers.first(name: "content-type") ?? "application/octet-stream"
        return ArtifactContent(bytes: Array(response.body.readableBytesView), contentType: contentType)
    }

    public func delete(_ key: ArtifactKey) async throws {
        let response = try await send(.DELETE, path: objectPath(key), what: "delete artifact \(key)")
        if response.status == 404, response.errorCode == "NoSuchKey" { return }
        try response.requireSuccess("delete artifact \(key)")
    }

    public func deleteAll(under prefix: ArtifactKeyPrefix) async throws -> Int {
        let what = "delete artifacts under \(prefix)"
        var keys: [String] = []
        var continuation: String?
        repeat {
            var query = [("list-type", "2"), ("prefix", prefix.storagePrefix), ("max-keys", String(listPageSize))]
            if let continuation { query.append(("continuation-token", continuation)) }
            let response = try await send(.GET, path: bucketPath, query: query, what: what)
            try response.requireSuccess(what)
            let xml = response.text[...]
            keys += S3XML.elements("Contents", in: xml).compactMap { S3XML.text("Key", in: $0) }
            continuation =
                S3XML.text("IsTruncated", in: xml) == "true" ? S3XML.text("NextContinuationToken", in: xml) : nil
        } while continuation != nil
        var start = 0
        while start < keys.count {
            let batch = keys[start..<min(start + 1000, keys.count)]
            try await deleteObjects(batch, what: what)
            start += batch.count
        }
        return keys.count
    }

    public func download(_ key: ArtifactKey, expiresIn: Duration) async throws -> ArtifactDownload {
        // X-Amz-Date holds whole seconds: report the expiry the URL really has.
        let signedAt = Date(timeIntervalSince1970: now().timeIntervalSince1970.rounded(.down))
        let url = try presignedGetURL(for: key, expiresIn: expiresIn, signedAt: signedAt)
        let seconds = expiresIn.components.seconds
        return .presigned(url: url, expiresAt: signedAt.addingTimeInterval(TimeInterval(seconds)))
    }

    /// A URL any HTTP client can GET the artifact from, from `signedAt` until `expiresIn` (whole
    /// seconds, 1 s to 7 days) has passed. Throws `ConveyorError(.invalidInput)` outside that range.
    public func presignedGetURL(for key: ArtifactKey, expiresIn: Duration, signedAt: Date) throws -> URL {
        let seconds = expiresIn.components.seconds
        guard expiresIn >= .seconds(1), expiresIn <= Self.maximumURLLifetime else {
            throw ConveyorError(
                .invalidInput, "artifact URL lifetime \(expiresIn) is out of range: use 1 second to 7 days"
            )
        }
        let path = objectPath(key)
        let query = signer.presignedQuery(
            method: "GET", path: path, query: [], host: host, expiresIn: Int(seconds), date: signedAt
        )
        return URL(string: origin + path + "?" + query)!
    }

    private var bucketPath: String { "/" + configuration.bucket }

    private func objectPath(_ key: ArtifactKey) -> String {
        bucketPath + "/" + AWSSignatureV4.uriEncode(key.storageKey, keepingSlashes: true)
    }

    /// DeleteObjects for up to 1,000 keys; throws when S3 reports any key it could not delete.
    private func deleteObjects(_ keys: ArraySlice<String>, what: String) async throws {
        let objects = keys.map { "<Object><Key>\(S3XML.escape($0))</Key></Object>" }.joined()
        let body = Array("<Delete><Quiet>true</Quiet>\(objects)</Delete>".utf8)
        let md5 = Data(Insecure.MD5.hash(data: body)).base64EncodedString()
        let response = try await send(
            .POST, path: bucketPath, query: [("delete", "")],
            headers: [("content-type", "application/xml"), ("content-md5", md5)], body: body, what: what
        )
        try response.requireSuccess(what)
        let failures = S3XML.elements("Error", in: response.text[...])
        if let first = failures.first {
            let key = S3XML.text("Key", in: first) ?? "?"
            let code = S3XML.text("Code", in: first) ?? "?"
            throw ConveyorError(
                .storageFailure, "could not \(what): S3 kept \(failures.count) objects, first \(key) (\(code))"
            )
        }
    }

    /// Signs and sends one request; a transport failure becomes a `storageFailure`.
    private func send(
        _ method: HTTPMethod, path: String, query: [(String, String)] = [], headers: [(String, String)] = [],
        body: [UInt8] = [], payloadSHA256: String? = nil, what: String
    ) async throws -> S3Response {
        let queryString = AWSSignatureV4.canonicalQueryString(query)
        var request = HTTPClientRequest(url: origin + path + (queryString.isEmpty ? "" : "?" + queryString))
        request.method = method
        let signed = [("host", host)] + headers
        let authorization = signer.authorizationHeaders(
            method: method.rawValue, path: path, query: query, headers: signed,
            payloadSHA256: payloadSHA256 ?? Hex.encode(SHA256.hash(data: body)), date: now()
        )
        for (name, value) in signed + authorization { request.headers.add(name: name, value: value) }
        if method == .PUT || method == .POST { request.body = .bytes(body) }
        let timeout = TimeAmount.milliseconds(Int64(configuration.requestTimeout / .milliseconds(1)))
        let response: HTTPClientResponse
        do {
            response = try await httpClient.execute(request, timeout: timeout, logger: logger)
        } catch {
            throw ConveyorError(
                .storageFailure, "could not \(what): no answer from the S3 endpoint \(origin)", underlying: error
            )
        }
        do {
            let bytes = try await response.body.collect(upTo: configuration.maximumObjectSize)
            return S3Response(status: response.status.code, headers: response.headers, body: bytes)
        } catch is NIOTooManyBytesError {
            throw ConveyorError(
                .storageFailure,
                "could not \(what): the object is larger than the S3 configuration's maximumObjectSize "
                    + "(\(configuration.maximumObjectSize) bytes)"
            )
        } catch {
            throw ConveyorError(
                .storageFailure, "could not \(what): the S3 endpoint \(origin) broke off its answer", underlying: error
            )
        }
    }

    private static func parse(endpoint: String) throws -> (origin: String, host: String) {
        let problem = ConveyorError(
            .invalidConfiguration,
            "S3 endpoint \"\(endpoint)\" is not valid: use http(s)://host[:port] without a path, e.g. https://s3.eu-west-1.amazonaws.com"
        )
        guard let components = URLComponents(string: endpoint), let scheme = components.scheme?.lowercased(),
            scheme == "http" || scheme == "https", let hostName = components.host, !hostName.isEmpty,
            components.path.isEmpty || components.path == "/", components.query == nil, components.user == nil
        else { throw problem }
        let host = components.port.map { "\(hostName):\($0)" } ?? hostName
        return ("\(scheme)://\(host)", host)
    }

    private static func check(bucket: String) throws {
        let allowed = bucket.utf8.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
        }
        guard (3...63).contains(bucket.utf8.count), allowed, let first = bucket.utf8.first, let last = bucket.utf8.last,
            first != UInt8(ascii: "-"), first != UInt8(ascii: "."), last != UInt8(ascii: "-"), last != UInt8(ascii: ".")
        else {
            throw ConveyorError(
                .invalidConfiguration,
                "S3 bucket name \"\(bucket)\" is not valid: use 3 to 63 lowercase letters, digits, dots and hyphens"
            )
        }
    }
}
