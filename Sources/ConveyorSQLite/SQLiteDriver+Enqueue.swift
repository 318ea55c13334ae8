package import Conveyor
import Foundation
import SQLiteNIO

extension SQLiteDriver {
    /// One statement for up to 500 tasks; a larger batch is several statements in one transaction.
    package func taskInsertMany(_ params: TaskInsertManyParams) async throws -> [TaskID] {
        guard !params.tasks.isEmpty else { return [] }
        let inserted: Inserted
        if params.tasks.count <= SQLiteQueries.maxRowsPerStatement {
            inserted = try await file.write { session in
                try await Self.insertTasks(params.tasks, owner: params.owner, jobID: nil, in: session)
            }
        } else {
            inserted = try await file.transaction { session in
                try await Self.insertTasks(params.tasks, owner: params.owner, jobID: nil, in: session)
            }
        }
        broadcaster.notify(inserted.availableQueues)
        return inserted.ids
    }

    /// Inserts the job row and its tasks in one transaction, or returns the job that already has
    /// the idempotency key. The transaction holds the write lock from its start, so two enqueues
    /// with one key, from any process, cannot both insert.
    package func jobInsert(_ params: JobInsertParams) async throws -> JobInsertResult {
        let (result, inserted) = try await file.transaction { session -> (JobInsertResult, Inserted?) in
            if let key = params.idempotencyKey {
                let existing = try await session.rows(
                    SQLiteQueries.jobFindByIdempotencyKey(owner: params.owner, key: key))
                if let first = existing.first {
                    let jobID = try SQLiteCells(first).int64(0)
                    let taskIDs = try existing.compactMap { try SQLiteCells($0).optionalInt64(1).map { TaskID($0) } }
                    let fingerprint = try SQLiteCells(first).optionalString(2)
                    return (
                        JobInsertResult(
                            jobID: JobID(jobID), taskIDs: taskIDs, existing: true, requestFingerprint: fingerprint),
                        nil
                    )
                }
            }
            let jobID = try await Self.allocateJobID(in: session)
            try await session.run(
                SQLiteQueries.jobInsert(
                    id: jobID, owner: params.owner, kind: params.kind, idempotencyKey: params.idempotencyKey,
                    fingerprint: params.requestFingerprint, metadata: params.metadata, taskCount: params.tasks.count,
                    now: Date()
                )
            )
            let inserted = try await Self.insertTasks(params.tasks, owner: params.owner, jobID: jobID, in: session)
            return (JobInsertResult(jobID: JobID(jobID), taskIDs: inserted.ids, existing: false), inserted)
        }
        if let inserted {
            broadcaster.notify(inserted.availableQueues)
            announce(inserted.eventJobs)
        }
        return result
    }

    /// What an insert wrote: the ids in the order of the tasks given, and the queues that got
    /// tasks to run now.
    struct Inserted {
        var ids: [TaskID]
        var availableQueues: Set<String>
        /// The jobs whose event log grew (tasks inserted into a job).
        var eventJobs: Set<Int64> = []
    }

    /// Inserts tasks and their dependency rows: on tasks of the same insert (by position) and, for
    /// run-time fan-out, `existingEdges` on tasks already in the job. `blockers` overrides each
    /// task's count of unfinished dependencies (default: those in the same insert).
    static func insertTasks(
        _ tasks: [TaskInsert], owner: String, jobID: Int64?, blockers: [Int]? = nil,
        existingEdges: [FanOutCheck.Edge] = [], in session: SQLiteSession
    ) async throws -> Inserted {
        var ids: [TaskID] = []
        ids.reserveCapacity(tasks.count)
        var start = tasks.startIndex
        let now = Date()
        let limit = SQLiteQueries.maxRowsPerStatement
        while start < tasks.endIndex {
            let end = min(start + limit, tasks.endIndex)
            for row in try await session.rows(
                SQLiteQueries.taskInsertMany(
                    owner: owner, jobID: jobID, tasks: tasks[start..<end], blockers: blockers?[start..<end], now: now))
            {
                ids.append(TaskID(try SQLiteCells(row).int64(0)))
            }
            start = end
        }
        // Ids are handed out in insert order; RETURNING does not promise to keep it.
        ids.sort()
        var pairs: [(task: Int64, dependsOn: Int64)] = []
        for (position, task) in tasks.enumerated() {
            for target in task.dependsOn { pairs.append((ids[position].rawValue, ids[target].rawValue)) }
        }
        for edge in existingEdges { pairs.append((ids[edge.position].rawValue, edge.target.rawValue)) }
        for chunk in stride(from: 0, to: pairs.count, by: limit) {
            try await session.run(SQLiteQueries.taskDependenciesInsert(pairs[chunk..<min(chunk + limit, pairs.count)]))
        }
        var eventJobs = Set<Int64>()
        if jobID != nil {
            eventJobs = try await recordEvents(ids.map(\.rawValue), now: now, in: session)
        }
        let available = tasks.enumerated().lazy
            .filter { position, task in (task.runAt ?? now) <= now && (blockers?[position] ?? task.dependsOn.count) == 0
            }
            .map(\.element.queue)
        return Inserted(ids: ids, availableQueues: Set(available), eventJobs: eventJobs)
    }

    private static func allocateJobID(in session: SQLiteSession) async throws -> Int64 {
        var allocated = try await session.rows(SQLiteQueries.jobAllocateID)
        if allocated.isEmpty {
            try await session.run(SQLiteQueries.jobRestoreSequence)
            allocated = try await session.rows(SQLiteQueries.jobAllocateID)
        }
        guard let row = allocated.first else {
            throw ConveyorError(.databaseFailure, "SQLite could not allocate a job id")
        }
        return try SQLiteCells(row).int64(0)
    }
}
