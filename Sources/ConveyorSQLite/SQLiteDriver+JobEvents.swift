package import Conveyor
import Foundation
import SQLiteNIO

/// The job event log. SQLite has no trigger here (it would be compiled into every statement that
/// sets `state`, the claim included): each write that changes tasks of a job records their new rows
/// with ``recordEvents(_:now:in:)`` in its own transaction, and announces the jobs after commit.
extension SQLiteDriver {
    package func jobEventList(_ params: JobEventListParams) async throws -> [JobEventRecord] {
        let rows = try await file.read { session in
            try await session.rows(
                SQLiteQueries.jobEventList(jobID: params.jobID.rawValue, offset: params.offset, limit: params.limit))
        }
        return try rows.map { row in
            let cells = SQLiteCells(row)
            return JobEventRecord(
                task: TaskChange(
                    id: TaskID(try cells.int64(0)), name: try cells.optionalString(1),
                    state: TaskState(rawValue: try cells.string(2)) ?? .available, attempt: try cells.int(3),
                    progress: try cells.optionalInt64(4).map { Int($0) }, progressMessage: try cells.optionalString(5),
                    lastError: try cells.optionalString(6)),
                at: try cells.date(7))
        }
    }

    package func jobEventCount(_ jobID: JobID) async throws -> Int {
        let rows = try await file.read { session in
            try await session.rows(SQLiteQueries.jobEventCount(jobID: jobID.rawValue))
        }
        return try rows.first.map { try SQLiteCells($0).int(0) } ?? 0
    }

    /// Announces the changes of every `SQLiteDriver` of this process on this file, until
    /// cancelled. Changes made by other processes are found by the readers' polling.
    package func listenForJobEvents(_ onSignal: @escaping @Sendable (JobEventSignal) -> Void) async throws {
        await jobEventBroadcaster.listen(
            onListening: { onSignal(.listening) },
            onWork: { job in if let id = Int64(job) { onSignal(.changed(JobID(id))) } }
        )
    }

    /// Records the current rows of the listed tasks that belong to a job in its event log, in the
    /// caller's transaction; returns the jobs to announce once it commits. No statement runs for
    /// an empty list, so plain tasks cost nothing.
    static func recordEvents(_ taskIDs: [Int64], now: Date, in session: SQLiteSession) async throws -> Set<Int64> {
        guard !taskIDs.isEmpty else { return [] }
        var jobs = Set<Int64>()
        for row in try await session.rows(SQLiteQueries.jobEventRecord(taskIDs, now: now)) {
            jobs.insert(try SQLiteCells(row).int64(0))
        }
        return jobs
    }

    /// Tells this process's feed readers that these jobs have new events.
    func announce(_ jobs: Set<Int64>) {
        if !jobs.isEmpty { jobEventBroadcaster.notify(jobs.map(String.init)) }
    }
}
