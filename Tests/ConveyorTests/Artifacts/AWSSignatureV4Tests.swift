import Conveyor
import ConveyorS3
import Crypto
import Foundation
import Testing

/// The examples of AWS's "Signature Calculations for the Authorization Header" and "Query
/// Parameters" pages for S3, which use these example credentials and 24 May 2013, 00:00 UTC.
@Suite("AWS Signature Version 4", .boundedParallelism, .timeLimit(.minutes(10)))
struct AWSSignatureV4Tests {
    static let signer = AWSSignatureV4(
        accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        region: "us-east-1"
    )
    static let date = Date(timeIntervalSince1970: 1_369_353_600)
    static let host = "examplebucket.s3.amazonaws.com"
    static let emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    func authorization(_ headers: [(String, String)]) -> String? {
        headers.first { $0.0 == "authorization" }?.1
    }

    @Test("the timestamp is written in UTC, second precision")
    func timestamp() {
        #expect(AWSSignatureV4.timestamp(Self.date) == "20130524T000000Z")
        #expect(AWSSignatureV4.timestamp(Date(timeIntervalSince1970: 1_704_067_199.9)) == "20231231T235959Z")
    }

    @Test("GET object with a range: AWS's example canonical request, string to sign and signature")
    func getObject() {
        let headers = [("Host", Self.host), ("Range", "bytes=0-9")]
        let canonical = Self.signer.canonicalRequest(
            method: "GET", path: "/test.txt", query: [],
            headers: headers + [("x-amz-content-sha256", Self.emptySHA256), ("x-amz-date", "20130524T000000Z")],
            payloadSHA256: Self.emptySHA256
        )
        #expect(
            canonical.request == """
                GET
                /test.txt

                host:examplebucket.s3.amazonaws.com
                range:bytes=0-9
                x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
                x-amz-date:20130524T000000Z

                host;range;x-amz-content-sha256;x-amz-date
                e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
                """
        )
        #expect(
            Self.signer.stringToSign(canonicalRequest: canonical.request, date: Self.date) == """
                AWS4-HMAC-SHA256
                20130524T000000Z
                20130524/us-east-1/s3/aws4_request
                7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972
                """
        )
        let signed = Self.signer.authorizationHeaders(
            method: "GET", path: "/test.txt", query: [], headers: headers, payloadSHA256: Self.emptySHA256,
            date: Self.date
        )
        #expect(
            authorization(signed)
                == "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
                + "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
                + "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
        )
        #expect(signed.contains { $0 == ("x-amz-date", "20130524T000000Z") })
        #expect(signed.contains { $0 == ("x-amz-content-sha256", Self.emptySHA256) })
    }

    @Test("PUT object: a reserved character in the key is encoded, the payload hash is the body's")
    func putObject() {
        let body = Array("Welcome to Amazon S3.".utf8)
        let payload = Hex.encode(SHA256.hash(data: body))
        #expect(payload == "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072")
        let path = "/" + AWSSignatureV4.uriEncode("test$file.text", keepingSlashes: true)
        #expect(path == "/test%24file.text")
        let signed = Self.signer.authorizationHeaders(
            method: "PUT", path: path, query: [],
            headers: [
                ("Host", Self.host), ("Date", "Fri, 24 May 2013 00:00:00 GMT"),
                ("x-amz-storage-class", "REDUCED_REDUNDANCY"),
            ],
            payloadSHA256: payload, date: Self.date
        )
        #expect(
            authorization(signed)?.hasSuffix(
                "SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class, "
                    + "Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd"
            ) == true)
    }

    @Test("GET bucket lifecycle: a query parameter without a value")
    func getLifecycle() {
        let signed = Self.signer.authorizationHeaders(
            method: "GET", path: "/", query: [("lifecycle", "")], headers: [("Host", Self.host)],
            payloadSHA256: Self.emptySHA256, date: Self.date
        )
        #expect(
            authorization(signed)?.hasSuffix(
                "Signature=fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543"
            ) == true)
    }

    @Test("list objects: query parameters are sorted by name")
    func listObjects() {
        let signed = Self.signer.authorizationHeaders(
            method: "GET", path: "/", query: [("prefix", "J"), ("max-keys", "2")], headers: [("Host", Self.host)],
            payloadSHA256: Self.emptySHA256, date: Self.date
        )
        #expect(
            authorization(signed)?.hasSuffix(
                "Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7"
            ) == true)
    }

    @Test("presigned GET for 86,400 seconds: AWS's example URL")
    func presignedURL() {
        let query = Self.signer.presignedQuery(
            method: "GET", path: "/test.txt", query: [], host: Self.host, expiresIn: 86_400, date: Self.date
        )
        #expect(
            query == "X-Amz-Algorithm=AWS4-HMAC-SHA256"
                + "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
                + "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
                + "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"
        )
    }

    @Test("the signing key is HMAC-SHA256 chained over date, region, service and aws4_request")
    func signingKey() {
        // AWS's example of deriving a signing key, for IAM in us-east-1 on 15 February 2012.
        let signer = AWSSignatureV4(
            accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            region: "us-east-1", service: "iam"
        )
        let key = signer.signingKey(date: Date(timeIntervalSince1970: 1_329_264_000))
        #expect(
            key.withUnsafeBytes { Hex.encode($0) }
                == "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d"
        )
    }

    @Test("a percent-encoded key, a session token and another region, as botocore signs them")
    func botocoreVector() {
        // Expected values computed with botocore's S3SigV4Auth for the same request.
        let signer = AWSSignatureV4(
            accessKeyID: "conveyor-test", secretAccessKey: "conveyor-secret", sessionToken: "session-token/+=",
            region: "eu-west-1"
        )
        let path =
            "/artifacts/" + AWSSignatureV4.uriEncode("alice%40example.com/42/43/chapter%201.mp3", keepingSlashes: true)
        #expect(path == "/artifacts/alice%2540example.com/42/43/chapter%25201.mp3")
        let signed = signer.authorizationHeaders(
            method: "PUT", path: path, query: [],
            headers: [("host", "127.0.0.1:9000"), ("content-type", "audio/mpeg")],
            payloadSHA256: "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824",
            date: Date(timeIntervalSince1970: 1_704_110_400)
        )
        #expect(signed.contains { $0 == ("x-amz-security-token", "session-token/+=") })
        #expect(
            authorization(signed)
                == "AWS4-HMAC-SHA256 Credential=conveyor-test/20240101/eu-west-1/s3/aws4_request, "
                + "SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date;x-amz-security-token, "
                + "Signature=00f8bdfccb49ad356ec5d0b8c63761b37523e286098cb825222e3ac6d9ec7841"
        )
    }

    @Test("header values are trimmed and inner runs of spaces collapse to one")
    func headerValues() {
        let canonical = Self.signer.canonicalRequest(
            method: "GET", path: "/", query: [], headers: [("Host", Self.host), ("X-Custom", "  a   b  c ")],
            payloadSHA256: Self.emptySHA256
        )
        #expect(canonical.request.contains("\nx-custom:a b c\n"))
    }
}
