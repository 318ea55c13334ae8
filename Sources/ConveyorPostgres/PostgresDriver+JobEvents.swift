package import Conveyor
import Foundation
import PostgresNIO

/// The job event log: written by the `tasks_changed` trigger and the insert statements (migration
/// 6), read here.
extension PostgresDriver {
    package func jobEventList(_ params: JobEventListParams) async throws -> [JobEventRecord] {
        let rows = try await run(
            queries.jobEventList(jobID: params.jobID.rawValue, offset: params.offset, limit: params.limit))
        var records: [JobEventRecord] = []
        records.reserveCapacity(rows.count)
        for (taskID, name, state, attempt, progress, message, error, at) in try rows.decodeAll(
            (Int64, String?, String, Int16, Int16?, String?, String?, Date).self
        ) {
            records.append(
                JobEventRecord(
                    task: TaskChange(
                        id: TaskID(taskID), name: name, state: TaskState(rawValue: state) ?? .available,
                        attempt: Int(attempt), progress: progress.map(Int.init), progressMessage: message,
                        lastError: error),
                    at: at))
        }
        return records
    }

    package func jobEventCount(_ jobID: JobID) async throws -> Int {
        let rows = try await run(queries.jobEventCount(jobID: jobID.rawValue))
        for count in try rows.decodeAll(Int64.self) { return Int(count) }
        return 0
    }

    /// LISTENs on the schema's job-events channel, whose payload is the job id.
    package func listenForJobEvents(_ onSignal: @escaping @Sendable (JobEventSignal) -> Void) async throws {
        do {
            try await client.withConnection { connection in
                try await connection.listen(on: queries.jobEventsChannel) { notifications in
                    onSignal(.listening)
                    for try await notification in notifications {
                        if let id = Int64(notification.payload) { onSignal(.changed(JobID(id))) }
                    }
                }
            }
        } catch let error as PSQLError {
            throw Self.wrap(error)
        }
    }
}
