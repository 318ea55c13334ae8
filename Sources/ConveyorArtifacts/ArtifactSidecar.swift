/// The small JSON file kept beside each artifact's bytes in a `FileSystemArtifactStore`.
///
/// It holds the content type, so the bytes can be served without a database lookup, and the size
/// and SHA-256 the store computed, so a file can be checked against its row.
struct ArtifactSidecar: Codable, Equatable {
    var contentType: String
    var size: Int
    var sha256: String
}
