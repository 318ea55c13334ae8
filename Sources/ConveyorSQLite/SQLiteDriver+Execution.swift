package import Conveyor
import Foundation
import SQLiteNIO

extension SQLiteDriver {
    /// One statement, which holds the write lock from start to end: see ``SQLiteQueries/taskClaim(queue:limit:workerID:leaseSeconds:now:)``.
    package func taskClaim(_ params: TaskClaimParams) async throws -> [ClaimedTask] {
        guard params.limit > 0 else { return [] }
        // A transaction, so the claim of a job's task and its event commit together; the event
        // statement runs only when a claimed task belongs to a job.
        let (rows, eventJobs) = try await file.transaction { session in
            let now = Date()
            let rows = try await session.rows(
                SQLiteQueries.taskClaim(
                    queue: params.queue, limit: params.limit, workerID: params.workerID,
                    leaseSeconds: params.leaseDuration.seconds, now: now
                )
            )
            let inJobs = try rows.filter { try SQLiteCells($0).int(11) != 0 }.map { try SQLiteCells($0).int64(0) }
            return (rows, try await Self.recordEvents(inJobs, now: now, in: session))
        }
        announce(eventJobs)
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
    /// One transaction: the outcomes (500 per statement), then, only when a finished task belongs
    /// to a multi-task job, its dependents: unblocked or cancelled. Queues where tasks became
    /// available are woken.
    package func taskCompleteMany(_ params: TaskCompleteManyParams) async throws -> [TaskID] {
        guard !params.completions.isEmpty else { return [] }
        let limit = SQLiteQueries.maxRowsPerStatement
        let (rows, settledOutcome) = try await file.transaction { session -> ([[SQLiteData]], Settled) in
            let now = Date()
            let completions = params.completions.map { CompletionRow($0, now: now) }
            var rows: [[SQLiteData]] = []
            for start in stride(from: 0, to: completions.count, by: limit) {
                let chunk = completions[start..<min(start + limit, completions.count)]
                rows += try await session.rows(SQLiteQueries.taskCompleteMany(chunk))
            }
            let settled = try rows.map { row in
                let cells = SQLiteCells(row)
                return SettledTask(id: try cells.int64(0), inJob: try cells.int(1) != 0, state: try cells.string(2))
            }
            return (rows, try await Self.settleDependents(of: settled, now: now, in: session))
        }
        if !settledOutcome.woken.isEmpty { broadcaster.notify(settledOutcome.woken) }
        announce(settledOutcome.eventJobs)
        return try rows.map { TaskID(try SQLiteCells($0).int64(0)) }
    }

    /// A task that just reached an outcome, as far as its dependents care.
    struct SettledTask {
        var id: Int64
        /// Whether it belongs to a multi-task job: only those can have dependents.
        var inJob: Bool
        var state: String
    }

    /// What settling finished tasks did beyond their own rows.
    struct Settled {
        /// Queues where tasks became available.
        var woken: [String] = []
        /// Jobs whose event log grew.
        var eventJobs: Set<Int64> = []
    }

    /// Records the settled tasks of multi-task jobs in their event logs, then unblocks the
    /// dependents of completed ones and cancels those of discarded or cancelled ones (recording
    /// them too), in the caller's transaction. No statement runs when no settled task belongs to
    /// a multi-task job.
    static func settleDependents(
        of settled: [SettledTask], now: Date, in session: SQLiteSession
    ) async throws -> Settled {
        let inJobs = settled.filter(\.inJob)
        guard !inJobs.isEmpty else { return Settled() }
        var outcome = Settled(eventJobs: try await recordEvents(inJobs.map(\.id), now: now, in: session))
        let completed = inJobs.filter { $0.state == TaskState.completed.rawValue }.map(\.id)
        let failed = inJobs.filter {
            $0.state == TaskState.discarded.rawValue || $0.state == TaskState.cancelled.rawValue
        }.map(\.id)
        var changed: [Int64] = []
        if !completed.isEmpty {
            for row in try await session.rows(SQLiteQueries.taskUnblockDependents(completed, now: now)) {
                let cells = SQLiteCells(row)
                let state = try cells.string(1)
                if state == TaskState.available.rawValue { outcome.woken.append(try cells.string(0)) }
                if state != TaskState.blocked.rawValue { changed.append(try cells.int64(2)) }
            }
        }
        if !failed.isEmpty {
            for row in try await session.rows(SQLiteQueries.taskCancelDependents(failed, now: now)) {
                changed.append(try SQLiteCells(row).int64(0))
            }
        }
        outcome.eventJobs.formUnion(try await recordEvents(changed, now: now, in: session))
        return outcome
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
        let (rows, eventJobs) = try await file.transaction { session in
            let rows = try await session.rows(
                SQLiteQueries.taskReportProgress(
                    id: params.id.rawValue, attempt: params.attempt, percent: params.percent, message: params.message
                )
            )
            let inJobs = try rows.filter { try SQLiteCells($0).int(1) != 0 }.map { try SQLiteCells($0).int64(0) }
            return (rows, try await Self.recordEvents(inJobs, now: Date(), in: session))
        }
        announce(eventJobs)
        return !rows.isEmpty
    }

    package func listenForWork(_ onSignal: @escaping @Sendable (WorkSignal) -> Void) async throws {
        await broadcaster.listen(
            onListening: { onSignal(.listening) },
            onWork: { queue in onSignal(.work(queue: queue)) }
        )
    }
}
