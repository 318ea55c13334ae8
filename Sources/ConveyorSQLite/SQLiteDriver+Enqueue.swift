package import Conveyor
import Foundation
import SQLiteNIO

extension SQLiteDriver {
    /// One statement for up to 500 tasks; a larger batch is several statements in one transaction.
    package func taskInsertMany(_ params: TaskInsertManyParams) async throws -> [TaskID] {
        guard !params.tasks.isEmpty else { return [] }
        let limit = SQLiteQueries.maxRowsPerStatement
        let rows: [[SQLiteData]]
        if params.tasks.count <= limit {
            rows = try await file.write { session in
                try await session.rows(
                    SQLiteQueries.taskInsertMany(owner: params.owner, jobID: nil, tasks: params.tasks[...], now: Date())
                )
            }
        } else {
            rows = try await file.transaction { session in
                try await Self.insertTasks(params.tasks, owner: params.owner, jobID: nil, in: session)
            }
        }
        let inserted = try rows.map(InsertedTask.init)
        broadcaster.notify(inserted.lazy.filter(\.isAvailable).map(\.queue))
        return inserted.map(\.id).sorted()
    }

    /// Inserts the job row and its tasks in one transaction, or returns the job that already has
    /// the idempotency key. The transaction holds the write lock from its start, so two enqueues
    /// with one key, from any process, cannot both insert.
    package func jobInsert(_ params: JobInsertParams) async throws -> JobInsertResult {
        let (result, available) = try await file.transaction { session -> (JobInsertResult, [String]) in
            if let key = params.idempotencyKey {
                let existing = try await session.rows(
                    SQLiteQueries.jobFindByIdempotencyKey(owner: params.owner, key: key))
                if let first = existing.first {
                    let jobID = try SQLiteCells(first).int64(0)
                    let taskIDs = try existing.compactMap { try SQLiteCells($0).optionalInt64(1).map { TaskID($0) } }
                    return (JobInsertResult(jobID: JobID(jobID), taskIDs: taskIDs, existing: true), [])
                }
            }
            let jobID = try await Self.allocateJobID(in: session)
            try await session.run(
                SQLiteQueries.jobInsert(
                    id: jobID, owner: params.owner, kind: params.kind, idempotencyKey: params.idempotencyKey,
                    taskCount: params.tasks.count, now: Date()
                )
            )
            let inserted = try await Self.insertTasks(params.tasks, owner: params.owner, jobID: jobID, in: session)
                .map(InsertedTask.init)
            return (
                JobInsertResult(jobID: JobID(jobID), taskIDs: inserted.map(\.id).sorted(), existing: false),
                inserted.filter(\.isAvailable).map(\.queue)
            )
        }
        broadcaster.notify(available)
        return result
    }

    private static func insertTasks(
        _ tasks: [TaskInsert], owner: String, jobID: Int64?, in session: SQLiteSession
    ) async throws -> [[SQLiteData]] {
        var rows: [[SQLiteData]] = []
        rows.reserveCapacity(tasks.count)
        var start = tasks.startIndex
        let now = Date()
        while start < tasks.endIndex {
            let end = min(start + SQLiteQueries.maxRowsPerStatement, tasks.endIndex)
            rows += try await session.rows(
                SQLiteQueries.taskInsertMany(owner: owner, jobID: jobID, tasks: tasks[start..<end], now: now))
            start = end
        }
        return rows
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

/// A row returned by a task insert: `id, state, queue`.
private struct InsertedTask {
    var id: TaskID
    var isAvailable: Bool
    var queue: String

    init(_ row: [SQLiteData]) throws {
        let cells = SQLiteCells(row)
        id = TaskID(try cells.int64(0))
        isAvailable = try cells.string(1) == TaskState.available.rawValue
        queue = try cells.string(2)
    }
}
