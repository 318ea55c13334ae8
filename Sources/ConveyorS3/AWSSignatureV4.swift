import Conveyor
package import Crypto
package import Foundation

/// AWS Signature Version 4 for S3, in the header form and the presigned-URL (query) form.
///
/// Written from AWS's description of the algorithm: a canonical request (method, URI-encoded
/// path, sorted query, sorted lowercase headers, signed header names, payload hash), a string to
/// sign (algorithm, timestamp, scope, hash of the canonical request), and a signing key derived
/// by chaining HMAC-SHA256 over date, region, service and `aws4_request`. Paths are encoded once,
/// as S3 expects (other AWS services encode twice). Checked against AWS's published examples.
package struct AWSSignatureV4: Sendable {
    package static let algorithm = "AWS4-HMAC-SHA256"
    /// The payload hash of a presigned URL, whose body is unknown when it is signed.
    package static let unsignedPayload = "UNSIGNED-PAYLOAD"

    package var accessKeyID: String
    package var secretAccessKey: String
    /// For temporary credentials; sent as `x-amz-security-token`.
    package var sessionToken: String?
    package var region: String
    package var service: String

    package init(
        accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil, region: String,
        service: String = "s3"
    ) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
        self.region = region
        self.service = service
    }

    /// The headers to add to a request so it is signed: `x-amz-date`, `x-amz-content-sha256`,
    /// `x-amz-security-token` when there is a session token, and `authorization`.
    ///
    /// `path` is the request path as sent (already URI-encoded); `query` holds decoded names and
    /// values; `headers` must include `host` and every other header to sign.
    package func authorizationHeaders(
        method: String, path: String, query: [(String, String)], headers: [(String, String)],
        payloadSHA256: String, date: Date
    ) -> [(String, String)] {
        let timestamp = Self.timestamp(date)
        var added = [("x-amz-date", timestamp), ("x-amz-content-sha256", payloadSHA256)]
        if let sessionToken { added.append(("x-amz-security-token", sessionToken)) }
        let canonical = canonicalRequest(
            method: method, path: path, query: query, headers: headers + added, payloadSHA256: payloadSHA256
        )
        let signature = signature(
            stringToSign: stringToSign(canonicalRequest: canonical.request, date: date), date: date)
        let authorization =
            "\(Self.algorithm) Credential=\(accessKeyID)/\(scope(date)), "
            + "SignedHeaders=\(canonical.signedHeaders), Signature=\(signature)"
        return added + [("authorization", authorization)]
    }

    /// The query string of a presigned URL: the caller's `query` plus the `X-Amz-*` parameters,
    /// with `X-Amz-Signature` last. Only `host` is signed, so any client can use the URL.
    package func presignedQuery(
        method: String, path: String, query: [(String, String)], host: String, expiresIn: Int, date: Date
    ) -> String {
        var parameters =
            query + [
                ("X-Amz-Algorithm", Self.algorithm),
                ("X-Amz-Credential", "\(accessKeyID)/\(scope(date))"),
                ("X-Amz-Date", Self.timestamp(date)),
                ("X-Amz-Expires", String(expiresIn)),
                ("X-Amz-SignedHeaders", "host"),
            ]
        if let sessionToken { parameters.append(("X-Amz-Security-Token", sessionToken)) }
        let canonical = canonicalRequest(
            method: method, path: path, query: parameters, headers: [("host", host)],
            payloadSHA256: Self.unsignedPayload
        )
        let signature = signature(
            stringToSign: stringToSign(canonicalRequest: canonical.request, date: date), date: date)
        return Self.canonicalQueryString(parameters) + "&X-Amz-Signature=" + signature
    }

    /// The canonical request and the `;`-joined names of the headers it signs.
    package func canonicalRequest(
        method: String, path: String, query: [(String, String)], headers: [(String, String)], payloadSHA256: String
    ) -> (request: String, signedHeaders: String) {
        var merged: [String: [String]] = [:]
        for (name, value) in headers {
            merged[name.lowercased(), default: []].append(Self.trimmed(value))
        }
        let names = merged.keys.sorted()
        let canonicalHeaders = names.map { "\($0):\(merged[$0]!.joined(separator: ","))\n" }.joined()
        let signedHeaders = names.joined(separator: ";")
        let request = [
            method, path, Self.canonicalQueryString(query), canonicalHeaders, signedHeaders, payloadSHA256,
        ].joined(separator: "\n")
        return (request, signedHeaders)
    }

    /// Algorithm, timestamp, credential scope and the hex SHA-256 of the canonical request.
    package func stringToSign(canonicalRequest: String, date: Date) -> String {
        let hash = Hex.encode(SHA256.hash(data: Array(canonicalRequest.utf8)))
        return [Self.algorithm, Self.timestamp(date), scope(date), hash].joined(separator: "\n")
    }

    /// HMAC-SHA256 chained over the day, the region, the service and `aws4_request`.
    package func signingKey(date: Date) -> SymmetricKey {
        let secret = SymmetricKey(data: Array("AWS4\(secretAccessKey)".utf8))
        let dateKey = Self.hmac(secret, String(Self.timestamp(date).prefix(8)))
        let regionKey = Self.hmac(dateKey, region)
        let serviceKey = Self.hmac(regionKey, service)
        return Self.hmac(serviceKey, "aws4_request")
    }

    /// The hex signature of `stringToSign`.
    package func signature(stringToSign: String, date: Date) -> String {
        Hex.encode(HMAC<SHA256>.authenticationCode(for: Array(stringToSign.utf8), using: signingKey(date: date)))
    }

    /// `yyyymmdd/region/service/aws4_request`.
    package func scope(_ date: Date) -> String {
        "\(Self.timestamp(date).prefix(8))/\(region)/\(service)/aws4_request"
    }

    /// `yyyyMMdd'T'HHmmss'Z'` in UTC, as `x-amz-date` is written.
    package static func timestamp(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        func two(_ value: Int?) -> String { value.map { $0 < 10 ? "0\($0)" : "\($0)" } ?? "00" }
        return
            "\(parts.year ?? 1970)\(two(parts.month))\(two(parts.day))T\(two(parts.hour))\(two(parts.minute))\(two(parts.second))Z"
    }

    /// Names and values URI-encoded, sorted by name then value, joined with `&`.
    package static func canonicalQueryString(_ query: [(String, String)]) -> String {
        query.map { (uriEncode($0.0), uriEncode($0.1)) }
            .sorted { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
            .map { "\($0.0)=\($0.1)" }
            .joined(separator: "&")
    }

    /// Every byte outside `A–Z a–z 0–9 - . _ ~` as `%XX`; slashes too unless `keepingSlashes`.
    package static func uriEncode(_ value: String, keepingSlashes: Bool = false) -> String {
        if keepingSlashes {
            return value.split(separator: "/", omittingEmptySubsequences: false).map { ArtifactKey.encode($0) }
                .joined(separator: "/")
        }
        return ArtifactKey.encode(value)
    }

    /// Leading and trailing spaces removed, inner runs of spaces collapsed to one.
    static func trimmed(_ value: String) -> String {
        value.split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ")
    }

    private static func hmac(_ key: SymmetricKey, _ message: String) -> SymmetricKey {
        SymmetricKey(data: HMAC<SHA256>.authenticationCode(for: Array(message.utf8), using: key))
    }
}
