/// A group of artifact keys to delete together: an owner's, a job's, or a task's.
///
/// The storage prefix always ends with a slash, so job 4 never takes job 42's artifacts with it.
public struct ArtifactKeyPrefix: Sendable, Hashable, CustomStringConvertible {
    /// `{owner}/`, `{owner}/{jobId}/` or `{owner}/{jobId}/{taskId}/`, encoded as in `ArtifactKey`.
    public let storagePrefix: String

    private init(storagePrefix: String) { self.storagePrefix = storagePrefix }

    /// Every artifact of `owner`; throws `ConveyorError(.invalidInput)` for an owner no key can have.
    public static func owner(_ owner: String) throws -> Self {
        if !owner.isEmpty { try ArtifactKey.check(owner, as: "owner", allowingSlash: true) }
        return Self(storagePrefix: ArtifactKey.encodeOwner(owner) + "/")
    }

    /// Every artifact of one job, e.g. when the job is pruned.
    public static func job(owner: String, jobID: JobID) throws -> Self {
        Self(storagePrefix: try Self.owner(owner).storagePrefix + "\(jobID)/")
    }

    /// Every artifact of one task.
    public static func task(owner: String, jobID: JobID, taskID: TaskID) throws -> Self {
        Self(storagePrefix: try Self.job(owner: owner, jobID: jobID).storagePrefix + "\(taskID)/")
    }

    /// True when `key` falls under this prefix.
    public func contains(_ key: ArtifactKey) -> Bool { key.storageKey.hasPrefix(storagePrefix) }

    public var description: String { storagePrefix }
}
