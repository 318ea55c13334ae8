package import Conveyor
import Foundation
import SQLiteNIO

extension SQLiteDriver {
    /// Selects expired leases and turns them into retries or dead letters in one transaction.
    ///
    /// The backoff is computed here rather than in SQL (the bundled SQLite has no `pow`), with the
    /// same formula, jitter and error entry as the PostgreSQL driver.
    package func taskRescueExpired(_ params: TaskRescueExpiredParams) async throws -> TaskRescueResult {
        let (result, eventJobs) = try await file.transaction { session -> (TaskRescueResult, Set<Int64>) in
            let now = params.now ?? Date()
            let expired = try await session.rows(
                SQLiteQueries.taskRescueExpiredSelect(now: now, limit: params.limit))
            guard !expired.isEmpty else { return (TaskRescueResult(retried: 0, discarded: 0), []) }
            var rescues: [RescueRow] = []
            rescues.reserveCapacity(expired.count)
            for row in expired {
                let cells = SQLiteCells(row)
                let attempt = try cells.int(1)
                let maxAttempts = try cells.int(2)
                let workerID = try cells.optionalString(3)
                let error = AttemptError(
                    attempt: attempt, at: now,
                    error: "lease expired: worker \(workerID ?? "unknown") stopped heartbeating", worker: workerID
                )
                let discard = attempt >= maxAttempts
                rescues.append(
                    RescueRow(
                        id: try cells.int64(0), attempt: attempt, state: discard ? .discarded : .retryable,
                        runAt: discard
                            ? nil : now.addingTimeInterval(params.retryPolicy.delay(afterAttempt: attempt).seconds),
                        finishedAt: discard ? now : nil, error: error.storageJSON
                    )
                )
            }
            var result = TaskRescueResult(retried: 0, discarded: 0)
            var settled: [SettledTask] = []
            let limit = SQLiteQueries.maxRowsPerStatement
            for start in stride(from: 0, to: rescues.count, by: limit) {
                let chunk = rescues[start..<min(start + limit, rescues.count)]
                for row in try await session.rows(SQLiteQueries.taskRescueExpiredUpdate(chunk)) {
                    let cells = SQLiteCells(row)
                    let state = try cells.string(0)
                    if state == TaskState.retryable.rawValue {
                        result.retried += 1
                    } else {
                        result.discarded += 1
                    }
                    settled.append(SettledTask(id: try cells.int64(1), inJob: try cells.int(2) != 0, state: state))
                }
            }
            // A dead letter's dependents can never run: cancel them in the same transaction.
            // (Retries only enter their jobs' event logs.)
            return (result, try await Self.settleDependents(of: settled, now: now, in: session).eventJobs)
        }
        announce(eventJobs)
        return result
    }

    package func taskPromoteDue(_ params: TaskPromoteDueParams) async throws -> Int {
        let (rows, eventJobs) = try await file.transaction { session in
            let now = params.now ?? Date()
            let rows = try await session.rows(SQLiteQueries.taskPromoteDue(now: now, limit: params.limit))
            let inJobs = try rows.filter { try SQLiteCells($0).int(2) != 0 }.map { try SQLiteCells($0).int64(1) }
            return (rows, try await Self.recordEvents(inJobs, now: now, in: session))
        }
        broadcaster.notify(try rows.map { try SQLiteCells($0).string(0) })
        announce(eventJobs)
        return rows.count
    }

    /// Deletes old finished tasks, then the jobs left without tasks, in one transaction.
    package func taskPrune(_ params: TaskPruneParams) async throws -> Int {
        try await file.transaction { session in
            let deleted = try await session.rows(
                SQLiteQueries.taskPrune(
                    completedBefore: params.completedBefore, failedBefore: params.failedBefore, limit: params.limit
                )
            )
            let jobIDs = Set(try deleted.compactMap { try SQLiteCells($0).optionalInt64(0) })
            if !jobIDs.isEmpty {
                try await session.run(SQLiteQueries.taskPruneJobs(jobIDs.sorted()))
                try await session.run(SQLiteQueries.taskPruneJobEvents(jobIDs.sorted()))
                // Only tasks of multi-task jobs have dependency rows.
                let taskIDs = try deleted.filter { try SQLiteCells($0).optionalInt64(0) != nil }
                    .map { try SQLiteCells($0).int64(1) }
                try await session.run(SQLiteQueries.taskPruneDependencies(taskIDs))
            }
            return deleted.count
        }
    }

    package func leaderAttemptElect(_ params: LeaderElectParams) async throws -> Bool {
        let rows = try await file.write { session in
            try await session.rows(
                SQLiteQueries.leaderAttemptElect(
                    name: params.name, leaderID: params.leaderID, ttlSeconds: params.ttl.seconds,
                    now: params.now ?? Date()
                )
            )
        }
        return !rows.isEmpty
    }

    package func leaderResign(_ params: LeaderResignParams) async throws {
        try await file.write { session in
            try await session.run(SQLiteQueries.leaderResign(name: params.name, leaderID: params.leaderID))
        }
    }
}
