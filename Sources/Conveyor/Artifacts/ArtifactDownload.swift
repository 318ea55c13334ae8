public import Foundation

/// How a client fetches an artifact: straight from the store, or through Conveyor's HTTP service.
///
/// An S3-compatible store signs its own URLs; a filesystem store has nobody to serve its files, so
/// the HTTP service serves them under `/v1/artifacts/...` with a URL signed by `ArtifactURLSigner`.
public enum ArtifactDownload: Sendable, Hashable {
    /// A URL the store signed, which a plain HTTP GET can fetch until `expiresAt`.
    case presigned(url: URL, expiresAt: Date)
    /// The store cannot issue URLs: the HTTP service must serve the bytes under a URL it signs.
    case throughService
}
