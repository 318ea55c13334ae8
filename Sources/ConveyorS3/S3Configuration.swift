/// Where an `S3ArtifactStore` keeps artifacts and how it signs in.
///
/// Any S3-compatible service works (AWS S3, MinIO, Cloudflare R2, Ceph, moto) with path-style
/// addressing: requests go to `{endpoint}/{bucket}/{key}`, which every one of them accepts and
/// which needs no DNS entry per bucket.
///
/// ```swift
/// let configuration = S3Configuration(
///     endpoint: "https://s3.eu-west-1.amazonaws.com", region: "eu-west-1", bucket: "conveyor-artifacts",
///     accessKeyID: env["AWS_ACCESS_KEY_ID"]!, secretAccessKey: env["AWS_SECRET_ACCESS_KEY"]!)
/// ```
public struct S3Configuration: Sendable {
    /// `http(s)://host[:port]`, without a path.
    public var endpoint: String
    /// The region requests are signed for, e.g. `eu-west-1`; MinIO and moto accept `us-east-1`.
    public var region: String
    public var bucket: String
    public var accessKeyID: String
    public var secretAccessKey: String
    /// For temporary credentials (STS); nil otherwise.
    public var sessionToken: String?
    /// How long one request may take (default 60 s).
    public var requestTimeout: Duration
    /// The largest object `get` reads into memory (default 1 GiB).
    public var maximumObjectSize: Int

    public init(
        endpoint: String, region: String, bucket: String, accessKeyID: String, secretAccessKey: String,
        sessionToken: String? = nil, requestTimeout: Duration = .seconds(60), maximumObjectSize: Int = 1 << 30
    ) {
        self.endpoint = endpoint
        self.region = region
        self.bucket = bucket
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
        self.requestTimeout = requestTimeout
        self.maximumObjectSize = maximumObjectSize
    }
}
