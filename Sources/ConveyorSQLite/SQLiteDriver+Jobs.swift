package import Conveyor
import Foundation
import SQLiteNIO

/// Jobs made of tasks: run-time fan-out, cancellation, redrive, dependency results and artifacts.
extension SQLiteDriver {
    /// Why a fan-out transaction was rolled back.
    private struct FanOutRollback: Error {
        var outcome: TaskFanOutOutcome
    }

    /// One transaction, which holds the write lock from its start: nothing else finishes a task
    /// between the checks and the writes.
    package func taskCompleteWithTasks(_ params: TaskCompleteWithTasksParams) async throws -> TaskFanOutOutcome {
        do {
            let (outcome, woken, eventJobs) = try await file.transaction { session in
                try await Self.completeWithTasks(params, in: session)
            }
            broadcaster.notify(woken)
            announce(eventJobs)
            return outcome
        } catch let rollback as FanOutRollback {
            return rollback.outcome
        }
    }

    private static func completeWithTasks(
        _ params: TaskCompleteWithTasksParams, in session: SQLiteSession
    ) async throws -> (TaskFanOutOutcome, Set<String>, Set<Int64>) {
        guard
            let held = try await session.rows(
                SQLiteQueries.taskFanOutHeld(id: params.id.rawValue, attempt: params.attempt)
            ).first
        else { throw FanOutRollback(outcome: .notHeld) }
        let jobID = try SQLiteCells(held).int64(0)
        let owner = try SQLiteCells(held).string(1)

        let names = Array(Set(params.tasks.compactMap(\.name) + params.tasks.flatMap(\.dependsOnExisting))).sorted()
        var existing: [String: (id: TaskID, state: TaskState)] = [:]
        if !names.isEmpty {
            for row in try await session.rows(SQLiteQueries.taskFanOutNamed(jobID: jobID, names: names)) {
                let cells = SQLiteCells(row)
                existing[try cells.string(1)] = (
                    TaskID(try cells.int64(0)), TaskState(rawValue: try cells.string(2)) ?? .available
                )
            }
        }
        let verdict = FanOutCheck(
            tasks: params.tasks, jobID: JobID(jobID), completing: params.id, existing: existing
        ).evaluate()
        guard case .accepted(let blockers, let edges) = verdict else {
            if case .refused(let reason) = verdict { throw FanOutRollback(outcome: .refused(reason: reason)) }
            throw FanOutRollback(outcome: .notHeld)
        }
        var inserted = Inserted(ids: [], availableQueues: [])
        if !params.tasks.isEmpty {
            inserted = try await insertTasks(
                params.tasks, owner: owner, jobID: jobID, blockers: blockers, existingEdges: edges, in: session)
        }
        let completion = CompletionRow(
            TaskCompletion(id: params.id, attempt: params.attempt, outcome: .completed(result: params.result)),
            now: Date())
        let rows = try await session.rows(SQLiteQueries.taskCompleteMany([completion][...]))
        guard let row = rows.first else { throw FanOutRollback(outcome: .notHeld) }
        let cells = SQLiteCells(row)
        let settled = try await settleDependents(
            of: [SettledTask(id: try cells.int64(0), inJob: try cells.int(1) != 0, state: try cells.string(2))],
            now: completion.finishedAt ?? Date(), in: session)
        return (
            .written(taskIDs: inserted.ids), inserted.availableQueues.union(settled.woken),
            inserted.eventJobs.union(settled.eventJobs)
        )
    }

    package func taskFindUnheld(_ params: TaskFindUnheldParams) async throws -> [TaskID] {
        guard !params.taskIDs.isEmpty else { return [] }
        let rows = try await file.read { session in
            try await session.rows(
                SQLiteQueries.taskFindUnheld(workerID: params.workerID, ids: params.taskIDs.map(\.rawValue)))
        }
        return try rows.map { TaskID(try SQLiteCells($0).int64(0)) }
    }

    package func taskDependencyResults(_ id: TaskID) async throws -> [DependencyResult] {
        let rows = try await file.read { session in
            try await session.rows(SQLiteQueries.taskDependencyResults(id.rawValue))
        }
        return try rows.map { row in
            let cells = SQLiteCells(row)
            return DependencyResult(
                taskID: TaskID(try cells.int64(0)), name: try cells.optionalString(1), kind: try cells.string(2),
                state: TaskState(rawValue: try cells.string(3)) ?? .available, result: try cells.optionalString(4))
        }
    }

    package func jobCancel(_ params: JobCancelParams) async throws -> Int {
        let (count, eventJobs) = try await file.transaction { session in
            let now = Date()
            let ids = try await session.rows(
                SQLiteQueries.jobCancel(jobID: params.jobID.rawValue, reason: params.reason, now: now)
            ).map { try SQLiteCells($0).int64(0) }
            return (ids.count, try await Self.recordEvents(ids, now: now, in: session))
        }
        announce(eventJobs)
        return count
    }

    package func jobRetry(_ params: JobRetryParams) async throws -> Int {
        try await redrive { session in
            try await session.rows(SQLiteQueries.jobRetryTargets(jobID: params.jobID.rawValue))
        }
    }

    package func taskRetry(_ params: TaskRetryParams) async throws -> Int {
        try await redrive { session in
            try await session.rows(SQLiteQueries.taskRetryTargets(taskID: params.taskID.rawValue))
        }
    }

    /// Finds the tasks to redrive and redrives them in one transaction; wakes their queues.
    private func redrive(
        targets: @escaping @Sendable (SQLiteSession) async throws -> [[SQLiteData]]
    ) async throws -> Int {
        let (rows, eventJobs) = try await file.transaction { session -> ([[SQLiteData]], Set<Int64>) in
            let ids = try await targets(session).map { try SQLiteCells($0).int64(0) }
            guard !ids.isEmpty else { return ([], []) }
            let now = Date()
            let rows = try await session.rows(SQLiteQueries.taskRedrive(ids, now: now))
            let redriven = try rows.map { try SQLiteCells($0).int64(2) }
            return (rows, try await Self.recordEvents(redriven, now: now, in: session))
        }
        announce(eventJobs)
        let woken = try rows.filter { try SQLiteCells($0).string(1) == TaskState.available.rawValue }
            .map { try SQLiteCells($0).string(0) }
        broadcaster.notify(woken)
        return rows.count
    }

    package func artifactRegister(_ params: ArtifactRegisterParams) async throws -> Bool {
        let rows = try await file.write { session in
            try await session.rows(
                SQLiteQueries.artifactRegister(
                    taskID: params.taskID.rawValue, attempt: params.attempt, artifact: params.artifact, now: Date()))
        }
        return !rows.isEmpty
    }

    package func artifactList(_ jobID: JobID) async throws -> [ArtifactRecord] {
        let rows = try await file.read { session in
            try await session.rows(SQLiteQueries.artifactList(jobID: jobID.rawValue))
        }
        return try rows.map { row in
            let cells = SQLiteCells(row)
            return ArtifactRecord(
                jobID: JobID(try cells.int64(0)), taskID: TaskID(try cells.int64(1)), name: try cells.string(2),
                storageKey: try cells.string(3), contentType: try cells.string(4), size: try cells.int(5),
                sha256: try cells.string(6), attempt: try cells.int(7), createdAt: try cells.date(8))
        }
    }
}
