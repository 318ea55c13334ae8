/// What a store reports after writing an artifact: the metadata the artifacts table records.
public struct StoredArtifact: Sendable, Hashable, Codable {
    public var key: ArtifactKey
    /// Bytes written.
    public var size: Int
    /// As given to `ArtifactStore.put`, e.g. `audio/mpeg`.
    public var contentType: String
    /// SHA-256 of the bytes, lowercase hex: lets anyone check a download, and shows whether a
    /// retried attempt wrote the same bytes.
    public var sha256: String

    public init(key: ArtifactKey, size: Int, contentType: String, sha256: String) {
        self.key = key
        self.size = size
        self.contentType = contentType
        self.sha256 = sha256
    }
}
