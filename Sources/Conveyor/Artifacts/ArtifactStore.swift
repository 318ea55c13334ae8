/// Where the bytes of artifacts live; rows hold only their metadata.
///
/// A handler's files (TTS audio, rendered PDFs) go to a store rather than into rows, and clients
/// fetch them through expiring URLs. Two stores ship: `FileSystemArtifactStore` (the default, in
/// `ConveyorArtifacts`) and `S3ArtifactStore` (any S3-compatible service, in `ConveyorS3`).
///
/// Every operation is safe to repeat: a retried attempt `put`s the same key again and replaces
/// the previous bytes whole, and deleting what is already gone succeeds.
///
/// ```swift
/// let key = try ArtifactKey(owner: "alice", jobID: job, taskID: task, name: "chapter-1.mp3")
/// let stored = try await store.put(key, bytes: audio, contentType: "audio/mpeg")
/// // record stored.key.storageKey, stored.size, stored.contentType, stored.sha256 in the artifacts table
/// ```
public protocol ArtifactStore: Sendable {
    /// Writes `bytes` under `key`, replacing any artifact already there all at once: a reader sees
    /// the old bytes or the new ones, never a mix. Returns what the artifacts table records.
    ///
    /// Throws `ConveyorError` with `.invalidInput` for a content type that is not `type/subtype`.
    func put(_ key: ArtifactKey, bytes: [UInt8], contentType: String) async throws -> StoredArtifact

    /// The artifact's bytes and content type, or nil when there is none under `key`.
    func get(_ key: ArtifactKey) async throws -> ArtifactContent?

    /// Removes the artifact under `key`; removing one that does not exist succeeds.
    func delete(_ key: ArtifactKey) async throws

    /// Removes every artifact under `prefix` (an owner's, a job's or a task's) and returns how many
    /// there were.
    func deleteAll(under prefix: ArtifactKeyPrefix) async throws -> Int

    /// How a client downloads the artifact until `expiresIn` has passed: a URL the store signed
    /// itself, or `.throughService` when the store has no URLs of its own.
    func download(_ key: ArtifactKey, expiresIn: Duration) async throws -> ArtifactDownload
}
