package import Conveyor
import Foundation
import PostgresNIO

/// Jobs made of tasks: run-time fan-out, cancellation, redrive, dependency results and artifacts.
extension PostgresDriver {
    /// Runs `body` in one transaction (the caller's, when this driver is bound to a connection).
    func transaction<T: Sendable>(_ body: (PostgresDriver) async throws -> T) async throws -> T {
        if connection != nil { return try await body(self) }
        do {
            return try await client.withTransaction(logger: logger) { connection in
                try await body(self.bound(to: connection))
            }
        } catch let error as PostgresTransactionError {
            let cause = error.closureError ?? error.commitError ?? error.beginError ?? error
            if let psql = cause as? PSQLError { throw Self.wrap(psql) }
            throw cause
        } catch let error as PSQLError {
            throw Self.wrap(error)
        }
    }

    /// Why a fan-out transaction was rolled back.
    private struct FanOutRollback: Error {
        var outcome: TaskFanOutOutcome
    }

    package func taskCompleteWithTasks(_ params: TaskCompleteWithTasksParams) async throws -> TaskFanOutOutcome {
        do {
            return try await transaction { db in
                try await db.completeWithTasks(params)
            }
        } catch let rollback as FanOutRollback {
            return rollback.outcome
        }
    }

    private func completeWithTasks(_ params: TaskCompleteWithTasksParams) async throws -> TaskFanOutOutcome {
        let attempt = Int16(clamping: params.attempt)
        let locked = try await run(queries.taskFanOutLock(id: params.id.rawValue, attempt: attempt))
            .decodeAll((Int64, String).self)
        guard let (jobID, owner) = locked.first else { throw FanOutRollback(outcome: .notHeld) }

        let plan = try await fanOutPlan(params, jobID: jobID)
        if case .refused(let reason) = plan { throw FanOutRollback(outcome: .refused(reason: reason)) }
        guard case .insert(let columns, let states, let existingTasks, let existingTargets) = plan else {
            throw FanOutRollback(outcome: .notHeld)
        }
        var ids: [TaskID] = []
        if columns.count > 0 {
            let rows = try await run(
                queries.taskFanOutInsert(
                    jobID: jobID, owner: owner, tasks: columns, states: states, existingTasks: existingTasks,
                    existingTargets: existingTargets)
            )
            for (inserted, _, _, _) in try rows.decodeAll(([Int64], Int64, Int64, Int64).self) {
                ids = inserted.map { TaskID($0) }
            }
        }
        let completion = TaskCompletion(
            id: params.id, attempt: params.attempt, outcome: .completed(result: params.result))
        let written = try await run(queries.taskCompleteMany(CompletionColumns([completion])))
        guard !written.isEmpty else { throw FanOutRollback(outcome: .notHeld) }
        return .written(taskIDs: ids)
    }

    private enum FanOutPlan {
        case insert(TaskInsertColumns, states: [String], existingTasks: [Int64], existingTargets: [Int64])
        case refused(String)
    }

    /// Checks the added tasks against the job's existing ones (under lock) and works out each
    /// one's first state and blocker count.
    private func fanOutPlan(_ params: TaskCompleteWithTasksParams, jobID: Int64) async throws -> FanOutPlan {
        let newNames = params.tasks.compactMap(\.name)
        let referenced = params.tasks.flatMap(\.dependsOnExisting)
        var existing: [String: (id: Int64, state: String)] = [:]
        if !newNames.isEmpty || !referenced.isEmpty {
            let names = Array(Set(newNames + referenced)).sorted()
            for (id, name, state) in try await run(queries.taskFanOutNamed(jobID: jobID, names: names))
                .decodeAll((Int64, String, String).self)
            {
                existing[name] = (id, state)
            }
        }
        let check = FanOutCheck(
            tasks: params.tasks, jobID: JobID(jobID), completing: params.id,
            existing: existing.mapValues { (TaskID($0.id), TaskState(rawValue: $0.state) ?? .available) })
        switch check.evaluate() {
        case .refused(let reason):
            return .refused(reason)
        case .accepted(let blockers, let existingEdges):
            var columns = TaskInsertColumns(params.tasks)
            columns.blockers = blockers.map { Int32($0) }
            let states = blockers.map { $0 > 0 ? TaskState.blocked.rawValue : TaskState.available.rawValue }
            return .insert(
                columns, states: states, existingTasks: existingEdges.map { Int64($0.position + 1) },
                existingTargets: existingEdges.map(\.target.rawValue))
        }
    }

    package func taskFindUnheld(_ params: TaskFindUnheldParams) async throws -> [TaskID] {
        guard !params.taskIDs.isEmpty else { return [] }
        let rows = try await run(queries.taskFindUnheld(workerID: params.workerID, ids: params.taskIDs.map(\.rawValue)))
        return try rows.decodeAll(Int64.self).map { TaskID($0) }
    }

    package func taskDependencyResults(_ id: TaskID) async throws -> [DependencyResult] {
        try await run(queries.taskDependencyResults(id.rawValue))
            .decodeAll((Int64, String?, String, String, String?).self)
            .map { id, name, kind, state, result in
                DependencyResult(
                    taskID: TaskID(id), name: name, kind: kind, state: TaskState(rawValue: state) ?? .available,
                    result: result)
            }
    }

    package func jobCancel(_ params: JobCancelParams) async throws -> Int {
        let rows = try await run(queries.jobCancel(jobID: params.jobID.rawValue, reason: params.reason))
        return try rows.decodeAll(Int64.self).first.map(Int.init) ?? 0
    }

    package func jobRetry(_ params: JobRetryParams) async throws -> Int {
        try await transaction { db in
            let ids = try await db.run(db.queries.jobRetryTargets(jobID: params.jobID.rawValue)).decodeAll(Int64.self)
            return try await db.redrive(ids)
        }
    }

    package func taskRetry(_ params: TaskRetryParams) async throws -> Int {
        try await transaction { db in
            let ids = try await db.run(db.queries.taskRetryTargets(taskID: params.taskID.rawValue))
                .decodeAll(Int64.self)
            return try await db.redrive(ids)
        }
    }

    /// Redrives locked tasks, after locking their dependencies; in the caller's transaction.
    private func redrive(_ ids: [Int64]) async throws -> Int {
        guard !ids.isEmpty else { return 0 }
        try await run(queries.taskRetryLockDependencies(ids))
        let rows = try await run(queries.taskRedrive(ids)).decodeAll((Int64, Int64).self)
        return rows.first.map { Int($0.0) } ?? 0
    }

    package func artifactRegister(_ params: ArtifactRegisterParams) async throws -> Bool {
        let rows = try await run(
            queries.artifactRegister(
                taskID: params.taskID.rawValue, attempt: Int16(clamping: params.attempt), artifact: params.artifact)
        )
        return !rows.isEmpty
    }

    package func artifactList(_ jobID: JobID) async throws -> [ArtifactRecord] {
        try await run(queries.artifactList(jobID: jobID.rawValue))
            .decodeAll((Int64, Int64, String, String, String, Int64, String, Int16, Date).self)
            .map { job, task, name, key, contentType, size, sha256, attempt, createdAt in
                ArtifactRecord(
                    jobID: JobID(job), taskID: TaskID(task), name: name, storageKey: key, contentType: contentType,
                    size: Int(size), sha256: sha256, attempt: Int(attempt), createdAt: createdAt)
            }
    }
}
