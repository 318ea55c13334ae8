package import Conveyor
import Foundation
import SQLiteNIO

extension SQLiteDriver {
    package func taskGet(_ id: TaskID) async throws -> TaskSnapshot? {
        let rows = try await file.read { session in try await session.rows(SQLiteQueries.taskGet(id.rawValue)) }
        return try rows.first.map(Self.decodeTask)
    }

    /// A multi-task job from its row and tasks; a single-task job from its task alone, as on PostgreSQL.
    package func jobGet(_ id: JobID) async throws -> JobSnapshot? {
        let (taskRows, jobRows) = try await file.read { session in
            (
                try await session.rows(SQLiteQueries.jobGetTasks(id.rawValue)),
                try await session.rows(SQLiteQueries.jobGetRow(id.rawValue))
            )
        }
        let tasks = try taskRows.map(Self.decodeTask)
        if let row = jobRows.first {
            let cells = SQLiteCells(row)
            var job = JobSnapshot(
                id: id, owner: try cells.string(0), kind: try cells.string(1),
                idempotencyKey: try cells.optionalString(2),
                createdAt: try cells.date(3), tasks: tasks
            )
            job.metadata = try cells.optionalString(4)
            return job
        }
        // A job without a jobs row is a single task's job (possibly grown by fan-out): it is that task's.
        guard let head = tasks.first(where: { $0.id.rawValue == id.rawValue }) else { return nil }
        return JobSnapshot(
            id: id, owner: head.owner, kind: head.kind, idempotencyKey: nil, createdAt: head.createdAt, tasks: tasks
        )
    }

    package func workerUnregister(_ workerID: String) async throws {
        try await file.write { session in try await session.run(SQLiteQueries.workerUnregister(workerID)) }
    }

    package func workerList() async throws -> [WorkerInfo] {
        let rows = try await file.read { session in try await session.rows(SQLiteQueries.workerList) }
        return try rows.map { row in
            let cells = SQLiteCells(row)
            let queuesJSON = try cells.string(3)
            guard let queues = try? JSONDecoder().decode([String].self, from: Data(queuesJSON.utf8)) else {
                throw ConveyorError(.databaseFailure, "worker \(try cells.string(0)) has an unreadable queue list")
            }
            return WorkerInfo(
                id: try cells.string(0), host: try cells.string(1), pid: try cells.int(2), queues: queues,
                capacity: try cells.int(4), startedAt: try cells.date(5), lastHeartbeatAt: try cells.date(6)
            )
        }
    }

    package func statsQueues(_ params: StatsQueuesParams) async throws -> [QueueStats] {
        let rows = try await file.read { session in
            try await session.rows(SQLiteQueries.statsQueues(since: params.since, now: Date()))
        }
        return QueueStats.fromCounts(
            try rows.map { row in
                let cells = SQLiteCells(row)
                return (queue: try cells.string(0), state: try cells.string(1), count: try cells.int(2))
            }
        )
    }

    /// Reads a row of ``SQLiteQueries/taskColumns``.
    static func decodeTask(_ row: [SQLiteData]) throws -> TaskSnapshot {
        let cells = SQLiteCells(row)
        let state = try cells.string(5)
        guard let taskState = TaskState(rawValue: state) else {
            throw ConveyorError(.databaseFailure, "task \(try cells.int64(0)) has an unknown state '\(state)'")
        }
        var task = TaskSnapshot(
            id: TaskID(try cells.int64(0)), jobID: JobID(try cells.int64(1)), kind: try cells.string(2),
            queue: try cells.string(3), owner: try cells.string(4), state: taskState,
            priority: Priority(rawValue: Int16(clamping: try cells.int64(6))), attempt: try cells.int(7),
            maxAttempts: try cells.int(8), input: try cells.string(9), result: try cells.optionalString(10),
            errors: AttemptError.decodeStored(try cells.string(11)), runAt: try cells.date(12),
            workerID: try cells.optionalString(13), leaseExpiresAt: try cells.optionalDate(14),
            createdAt: try cells.date(15), attemptedAt: try cells.optionalDate(16),
            finishedAt: try cells.optionalDate(17)
        )
        task.progress = try cells.optionalInt64(18).map { Int($0) }
        task.progressMessage = try cells.optionalString(19)
        task.name = try cells.optionalString(20)
        task.redrivenAt = try cells.optionalDate(21)
        let dependsOn = try cells.string(22)
        task.dependsOn = ((try? JSONDecoder().decode([Int64].self, from: Data(dependsOn.utf8))) ?? []).map {
            TaskID($0)
        }
        return task
    }
}
