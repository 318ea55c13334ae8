/// An artifact's bytes as read back from a store, with the content type it was written with.
public struct ArtifactContent: Sendable, Hashable {
    public var bytes: [UInt8]
    /// As given to `ArtifactStore.put`, e.g. `audio/mpeg`.
    public var contentType: String

    public init(bytes: [UInt8], contentType: String) {
        self.bytes = bytes
        self.contentType = contentType
    }
}
