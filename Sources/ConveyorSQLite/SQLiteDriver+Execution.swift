package import Conveyor
import Foundation
import SQLiteNIO

extension SQLiteDriver {
    /// One statement, which holds the write lock from start to end: see ``SQLiteQueries/taskClaim(queue:limit:workerID:leaseSeconds:now:)``.
    package func taskClaim(_ params: TaskClaimParams) async throws -> [ClaimedTask] {
        guard params.limit > 0 else { return [] }
        let rows = try await file.write { session in
            try await session.rows(
                SQLiteQueries.taskClaim(
                    queue: params.queue, limit: params.limit, workerID: params.workerID,
                    leaseSeconds: params.leaseDuration.seconds, now: Date()
                )
            )
        }
        var claimed: [(task: ClaimedTask, runAt: Date)] = []
        claimed.reserveCapacity(rows.count)
        for row in rows {
            let cells = SQLiteCells(row)
            let task = ClaimedTask(
                id: TaskID(try cells.int64(0)), jobID: JobID(try cells.int64(1)), kind: try cells.string(2),
                queue: try cells.string(3), owner: try cells.string(4), input: try cells.string(5),
                attempt: try cells.int(6), maxAttempts: try cells.int(7),
                priority: Priority(rawValue: Int16(clamping: try cells.int64(8))), createdAt: try cells.date(9)
            )
            claimed.append((task, try cells.date(10)))
        }
        // RETURNING gives rows in the order they were written; hand them over in claim order.
        claimed.sort { a, b in
            (a.task.priority.rawValue, a.runAt, a.task.id.rawValue) < (
                b.task.priority.rawValue, b.runAt, b.task.id.rawValue
            )
        }
        return claimed.map(\.task)
    }

    /// One statement for up to 500 outcomes; more are several statements in one transaction.
    /// A completion of a task of a multi-task job may make its dependents available (the
    /// `tasks_completed` trigger does it in the same statement); their queues are then woken.
    package func taskCompleteMany(_ params: TaskCompleteManyParams) async throws -> [TaskID] {
        guard !params.completions.isEmpty else { return [] }
        let limit = SQLiteQueries.maxRowsPerStatement
        let (rows, woken): ([[SQLiteData]], [String])
        if params.completions.count <= limit {
            (rows, woken) = try await file.write { session in
                let completions = params.completions.map { CompletionRow($0, now: Date()) }
                let rows = try await session.rows(SQLiteQueries.taskCompleteMany(completions[...]))
                return (rows, try await Self.unblockedQueues(rows, in: session))
            }
        } else {
            (rows, woken) = try await file.transaction { session in
                let now = Date()
                let completions = params.completions.map { CompletionRow($0, now: now) }
                var rows: [[SQLiteData]] = []
                for start in stride(from: 0, to: completions.count, by: limit) {
                    let chunk = completions[start..<min(start + limit, completions.count)]
                    rows += try await session.rows(SQLiteQueries.taskCompleteMany(chunk))
                }
                return (rows, try await Self.unblockedQueues(rows, in: session))
            }
        }
        if !woken.isEmpty { broadcaster.notify(woken) }
        return try rows.map { TaskID(try SQLiteCells($0).int64(0)) }
    }

    /// The queues where completed tasks (rows of `id, completed in a multi-task job`) made
    /// dependents available; no statement when none of them can have dependents.
    static func unblockedQueues(_ rows: [[SQLiteData]], in session: SQLiteSession) async throws -> [String] {
        let completed = try rows.filter { try SQLiteCells($0).int(1) != 0 }.map { try SQLiteCells($0).int64(0) }
        guard !completed.isEmpty else { return [] }
        return try await session.rows(SQLiteQueries.taskUnblockedQueues(completed)).map {
            try SQLiteCells($0).string(0)
        }
    }

    package func workerHeartbeat(_ params: WorkerHeartbeatParams) async throws -> [TaskID] {
        let rows = try await file.transaction { session in
            let now = Date()
            try await session.run(SQLiteQueries.workerRegister(params.worker, now: now))
            guard !params.taskIDs.isEmpty else { return [[SQLiteData]]() }
            return try await session.rows(
                SQLiteQueries.workerHeartbeat(
                    workerID: params.worker.id, taskIDs: params.taskIDs.map(\.rawValue),
                    leaseSeconds: params.leaseDuration.seconds, now: now
                )
            )
        }
        return try rows.map { TaskID(try SQLiteCells($0).int64(0)) }
    }

    /// Delivers the enqueues and promotions of every `SQLiteDriver` of this process on this file,
    /// until cancelled. Work from other processes is found by polling.
    package func taskReportProgress(_ params: TaskReportProgressParams) async throws -> Bool {
        let rows = try await file.write { session in
            try await session.rows(
                SQLiteQueries.taskReportProgress(
                    id: params.id.rawValue, attempt: params.attempt, percent: params.percent, message: params.message
                )
            )
        }
        return !rows.isEmpty
    }

    package func listenForWork(_ onSignal: @escaping @Sendable (WorkSignal) -> Void) async throws {
        await broadcaster.listen(
            onListening: { onSignal(.listening) },
            onWork: { queue in onSignal(.work(queue: queue)) }
        )
    }
}
