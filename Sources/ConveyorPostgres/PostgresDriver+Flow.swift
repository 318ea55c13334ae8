package import Conveyor
import Foundation
import PostgresNIO

/// Flow control on PostgreSQL: settings in the queues and resources tables, and the limited claim.
extension PostgresDriver {
    package func queueFlowGet(_ queue: String) async throws -> QueueFlow {
        let rows = try await run(queries.queueFlowGet(queue: queue))
        guard let row = rows.first else { return QueueFlow(settings: nil, usesResources: false) }
        let cells = row.makeRandomAccess()
        return QueueFlow(
            settings: try Self.decodeQueueSettings(cells, from: 0),
            usesResources: try cells[13].decode(Bool.self))
    }

    package func queueSettingsList() async throws -> [QueueSettings] {
        try await run(queries.queueSettingsList()).compactMap {
            try Self.decodeQueueSettings($0.makeRandomAccess(), from: 0)
        }
    }

    package func queueSettingsPut(_ settings: QueueSettings) async throws {
        try await run(queries.queueSettingsPut(QueueSettingsColumns(settings)))
    }

    package func queueSetPaused(_ params: QueueSetPausedParams) async throws {
        try await run(queries.queueSetPaused(name: params.name, paused: params.paused))
    }

    package func resourceSettingsList() async throws -> [ResourceSettings] {
        try await run(queries.resourceSettingsList()).map { row in
            let cells = row.makeRandomAccess()
            return ResourceSettings(
                try cells[0].decode(String.self),
                concurrencyLimit: try cells[1].decode(Int32?.self).map(Int.init),
                rateLimit: try Self.rateLimit(
                    count: cells[2].decode(Int32?.self), milliseconds: cells[3].decode(Int64?.self)),
                peak: try Self.peak(
                    start: cells[4].decode(Int16?.self), end: cells[5].decode(Int16?.self),
                    multiplier: cells[6].decode(Double?.self), timeZone: cells[7].decode(String?.self)),
                updatedAt: try cells[8].decode(Date.self)
            )
        }
    }

    package func resourceSettingsPut(_ settings: ResourceSettings) async throws {
        try await run(queries.resourceSettingsPut(ResourceSettingsColumns(settings)))
    }

    package func resourceSettingsDelete(_ name: String) async throws -> Bool {
        !(try await run(queries.resourceSettingsDelete(name: name))).isEmpty
    }

    package func resourceCountRunning() async throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for (name, count) in try await run(queries.resourceCountRunning()).decodeAll((String, Int64).self) {
            counts[name] = Int(count)
        }
        return counts
    }

    /// One statement, ``PostgresQueries/taskClaimLimited(_:)``: it locks, counts with a fresh
    /// snapshot, admits and claims.
    package func taskClaimLimited(_ params: TaskClaimParams) async throws -> TaskClaimLimitedResult {
        guard params.limit > 0 else { return TaskClaimLimitedResult(tasks: []) }
        let returned = Array(params.handlersReturned)
        let rows = try await run(
            queries.taskClaimLimited(
                FlowClaimColumns(
                    queue: params.queue, requested: params.limit, window: FlowAdmission.window(requested: params.limit),
                    workerID: params.workerID, leaseSeconds: params.leaseDuration.seconds, now: params.now,
                    returnedIDs: returned.map(\.key.rawValue),
                    returnedAttempts: returned.map { Int16(clamping: $0.value) },
                    followsID: params.follows?.id.rawValue,
                    followsAttempt: params.follows.map { Int16(clamping: $0.attempt) })))
        var tasks: [ClaimedTask] = []
        var paused = false
        var weighed = 0
        var retryAt: Date?
        var blocked = false
        var atLimit = false
        for row in rows {
            let cells = row.makeRandomAccess()
            paused = try cells[10].decode(Bool.self)
            weighed = Int(try cells[11].decode(Int64.self))
            retryAt = try cells[12].decode(Date?.self)
            blocked = try cells[13].decode(Bool.self)
            atLimit = try cells[14].decode(Bool.self)
            guard let id = try cells[0].decode(Int64?.self) else { continue }
            tasks.append(
                ClaimedTask(
                    id: TaskID(id), jobID: JobID(try cells[1].decode(Int64.self)),
                    kind: try cells[2].decode(String.self), queue: try cells[3].decode(String.self),
                    owner: try cells[4].decode(String.self), input: try cells[5].decode(String.self),
                    attempt: Int(try cells[6].decode(Int16.self)), maxAttempts: Int(try cells[7].decode(Int16.self)),
                    priority: Priority(rawValue: try cells[8].decode(Int16.self)),
                    createdAt: try cells[9].decode(Date.self)))
        }
        return TaskClaimLimitedResult(
            tasks: tasks, paused: paused,
            heldBack: !paused && tasks.count < params.limit && (weighed > tasks.count || blocked), retryAt: retryAt,
            atLimit: atLimit)
    }

    /// Settings from the 13 columns of ``PostgresQueries/queueSettingsColumns`` starting at
    /// `start`; nil when the name is NULL (a queue without settings, from an outer join).
    static func decodeQueueSettings(_ cells: PostgresRandomAccessRow, from start: Int) throws -> QueueSettings? {
        guard let name = try cells[start].decode(String?.self) else { return nil }
        return QueueSettings(
            name,
            paused: try cells[start + 1].decode(Bool.self),
            concurrencyLimit: try cells[start + 2].decode(Int32?.self).map(Int.init),
            rateLimit: try rateLimit(
                count: cells[start + 3].decode(Int32?.self), milliseconds: cells[start + 4].decode(Int64?.self)),
            timeout: try cells[start + 5].decode(Int64?.self).map { .milliseconds($0) },
            maxAttempts: try cells[start + 6].decode(Int16?.self).map(Int.init),
            fairShare: try cells[start + 7].decode(Bool.self),
            peak: try peak(
                start: cells[start + 8].decode(Int16?.self), end: cells[start + 9].decode(Int16?.self),
                multiplier: cells[start + 10].decode(Double?.self), timeZone: cells[start + 11].decode(String?.self)),
            updatedAt: try cells[start + 12].decode(Date.self)
        )
    }

    static func rateLimit(count: Int32?, milliseconds: Int64?) -> RateLimit? {
        guard let count, let milliseconds else { return nil }
        return RateLimit(Int(count), per: .milliseconds(milliseconds))
    }

    static func peak(start: Int16?, end: Int16?, multiplier: Double?, timeZone: String?) -> PeakWindow? {
        guard let start, let end, let multiplier else { return nil }
        return PeakWindow(start: Int(start), end: Int(end), multiplier: multiplier, timeZone: timeZone ?? "UTC")
    }
}
