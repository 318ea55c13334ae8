public import Foundation

/// What a handler can do with its job: add tasks, read its dependencies' results, write artifacts.
extension TaskContext {
    /// Adds tasks to this task's job when the handler returns successfully, atomically with its
    /// completion: if this attempt fails, times out or loses its lease, none of them exist.
    ///
    /// Their `dependsOn` names tasks added in this attempt or already in the job (this one
    /// included, by its name). Mistakes among the added tasks (a cycle, a repeated name) throw
    /// here; a name that clashes with one already in the job, or a dependency no task of the job
    /// has, discards this task with the reason when it completes.
    ///
    /// ```swift
    /// let chunks = text.chunks.enumerated().map { i, chunk in
    ///     try NewTask(Speak(text: chunk), name: "chunk-\(i)")
    /// }
    /// try context.addTasks(chunks + [try NewTask(Concatenate(), name: "concat", dependsOn: chunks.compactMap(\.name))])
    /// ```
    public func addTasks(_ tasks: [NewTask]) throws {
        guard let running else {
            throw ConveyorError(.unsupported, "tasks can be added only by a handler run by a worker")
        }
        // Checked with the ones added before, so a mistake throws where it is made.
        _ = try TaskGraph.inserts(for: running.addedTasks(taskID, attempt: attempt) + tasks, allowsExisting: true)
        guard running.addTasks(tasks, to: taskID, attempt: attempt) else {
            throw ConveyorError(.unsupported, "tasks not added: this attempt no longer holds task \(taskID)")
        }
    }

    /// Adds one task to this task's job: see ``addTasks(_:)``.
    public func addTask(_ task: NewTask) throws {
        try addTasks([task])
    }

    /// Adds one typed task to this task's job: see ``addTasks(_:)``.
    public func addTask<T: TaskDefinition>(
        _ task: T, name: String? = nil, dependsOn: [String] = [], options: EnqueueOptions = .init()
    ) throws {
        try addTasks([try NewTask(task, options: options, name: name, dependsOn: dependsOn)])
    }

    /// The tasks this one depends on, with their results (JSON text), in id order.
    public func dependencyResults() async throws -> [DependencyResult] {
        guard let driver else { return [] }
        return try await driver.taskDependencyResults(taskID)
    }

    /// The result of the dependency named `name`, decoded.
    ///
    /// Throws `.notFound` when this task has no dependency of that name or it returned no result.
    public func result<T: Decodable>(of name: String, as type: T.Type = T.self) async throws -> T {
        guard let dependency = try await dependencyResults().first(where: { $0.name == name }) else {
            throw ConveyorError(.notFound, "task \(taskID) has no dependency named '\(name)'")
        }
        guard let result = dependency.result else {
            throw ConveyorError(.notFound, "dependency '\(name)' (task \(dependency.taskID)) returned no result")
        }
        return try JSONDecoder.conveyor.decode(T.self, from: Data(result.utf8))
    }

    /// Writes an artifact of this task under `{owner}/{jobId}/{taskId}/{name}` and records it in
    /// the artifacts table. A retried attempt writing the same name replaces it.
    ///
    /// Throws when the worker has no artifact store, or when this attempt no longer holds the task
    /// (it was cancelled or its lease expired): such an attempt cannot register artifacts.
    @discardableResult
    public func writeArtifact(named name: String, bytes: [UInt8], contentType: String) async throws -> StoredArtifact {
        guard let artifactStore, let driver else {
            throw ConveyorError(
                .invalidConfiguration, "this worker has no artifact store: set WorkerConfiguration.artifactStore")
        }
        let key = try ArtifactKey(owner: owner, jobID: jobID, taskID: taskID, name: name)
        // Checked before the bytes are written too, so an attempt that already lost its task does
        // not overwrite what the attempt that holds it wrote.
        guard try await driver.taskFindUnheld(.init(workerID: workerID, taskIDs: [taskID])).isEmpty else {
            throw ConveyorError(
                .unsupported, "artifact '\(name)' not written: this attempt no longer holds task \(taskID)")
        }
        let stored = try await artifactStore.put(key, bytes: bytes, contentType: contentType)
        guard try await driver.artifactRegister(.init(taskID: taskID, attempt: attempt, artifact: stored)) else {
            throw ConveyorError(
                .unsupported, "artifact '\(name)' not registered: this attempt no longer holds task \(taskID)")
        }
        return stored
    }

    /// A URL that fetches the artifact until `expiresIn` has passed, when the store signs its own
    /// (S3-compatible stores do); nil when it must be served through Conveyor's HTTP service.
    public func artifactURL(for artifact: StoredArtifact, expiresIn: Duration = .seconds(3600)) async throws -> URL? {
        guard let artifactStore else { return nil }
        switch try await artifactStore.download(artifact.key, expiresIn: expiresIn) {
        case .presigned(let url, _): return url
        case .throughService: return nil
        }
    }
}
