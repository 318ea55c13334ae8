package import Conveyor
import Foundation
import SQLiteNIO

/// Flow control on SQLite: settings in the queues and resources tables, and the limited claim.
extension SQLiteDriver {
    package func queueFlowGet(_ queue: String) async throws -> QueueFlow {
        try await file.read { session in
            let settings = try await session.rows(SQLiteQueries.queueSettingsGet(queue)).first.map(Self.queueSettings)
            let uses = try await session.rows(SQLiteQueries.queueUsesResources(queue)).first
            return QueueFlow(settings: settings, usesResources: try uses.map { try SQLiteCells($0).bool(0) } ?? false)
        }
    }

    package func queueSettingsList() async throws -> [QueueSettings] {
        try await file.read { session in
            try await session.rows(SQLiteQueries.queueSettingsList).map(Self.queueSettings)
        }
    }

    package func queueSettingsPut(_ settings: QueueSettings) async throws {
        try await file.write { session in
            try await session.run(SQLiteQueries.queueSettingsPut(settings, now: Date()))
        }
        // A limit may have risen: the queue's workers in this process look again.
        broadcaster.notify([settings.name])
    }

    package func queueSetPaused(_ params: QueueSetPausedParams) async throws {
        try await file.write { session in
            try await session.run(SQLiteQueries.queueSetPaused(name: params.name, paused: params.paused, now: Date()))
        }
        if !params.paused { broadcaster.notify([params.name]) }
    }

    package func resourceSettingsList() async throws -> [ResourceSettings] {
        try await file.read { session in
            try await session.rows(SQLiteQueries.resourceSettingsList).map(Self.resourceSettings)
        }
    }

    package func resourceSettingsPut(_ settings: ResourceSettings) async throws {
        try await file.write { session in
            try await session.run(SQLiteQueries.resourceSettingsPut(settings, now: Date()))
        }
    }

    package func resourceSettingsDelete(_ name: String) async throws -> Bool {
        try await file.write { session in
            !(try await session.rows(SQLiteQueries.resourceSettingsDelete(name))).isEmpty
        }
    }

    package func resourceCountRunning() async throws -> [String: Int] {
        try await file.read { session in
            var counts: [String: Int] = [:]
            for row in try await session.rows(SQLiteQueries.resourceCountRunning) {
                let cells = SQLiteCells(row)
                counts[try cells.string(0)] = try cells.int(1)
            }
            return counts
        }
    }

    /// One `BEGIN IMMEDIATE` transaction: it holds the write lock from its first read, so what it
    /// counts cannot change before it claims, in this process or any other. What to start is
    /// ``FlowClaimPlan``'s answer; tasks whose handlers returned are not counted, as on PostgreSQL.
    package func taskClaimLimited(_ params: TaskClaimParams) async throws -> TaskClaimLimitedResult {
        guard params.limit > 0 else { return TaskClaimLimitedResult(tasks: []) }
        let (result, eventJobs) = try await file.transaction { session -> (TaskClaimLimitedResult, Set<Int64>) in
            let now = params.now ?? Date()
            // Statements are few on purpose: each is a hop between threads while the write lock,
            // which every claim, reservation and completion on the file waits for, is held.
            let context =
                try await session.rows(
                    SQLiteQueries.flowClaimContext(
                        queue: params.queue, follows: params.follows, workerID: params.workerID)
                ).first ?? []
            let contextCells = SQLiteCells(context)
            let settings =
                try contextCells.optionalString(0) == nil ? nil : Self.queueSettings(Array(context.prefix(13)))
            if settings?.paused == true { return (TaskClaimLimitedResult(tasks: [], paused: true), []) }

            var follows: [String]?
            if params.follows != nil {
                guard let followed = try contextCells.optionalString(14) else {
                    return (TaskClaimLimitedResult(tasks: []), [])
                }
                follows = Self.resources(followed)
            }
            var resources: [ResourceSettings] = []
            if try contextCells.bool(13) {
                resources = try await session.rows(SQLiteQueries.resourceSettingsList).map(Self.resourceSettings)
            }
            var plan = FlowClaimPlan(queue: params.queue, settings: settings, resources: resources)
            plan.follows = follows
            // Tasks holding a place: see SQLiteQueries.stillRunning.
            let countsQueue = settings?.concurrencyLimit != nil
            if countsQueue || !plan.resources.isEmpty {
                let query =
                    !plan.resources.isEmpty
                    ? SQLiteQueries.flowCountStillRunning(
                        queue: params.queue, workerID: params.workerID, returned: params.handlersReturned)
                    : SQLiteQueries.taskCountRunning(
                        queue: params.queue, workerID: params.workerID, returned: params.handlersReturned)
                for row in try await session.rows(query) {
                    let cells = SQLiteCells(row)
                    if plan.resources.isEmpty {
                        plan.queueRunning = try cells.int(0)
                    } else if let resource = try cells.optionalString(0) {
                        plan.resourceRunning[resource] = try cells.int(1)
                    } else {
                        plan.queueRunning = try cells.int(1)
                    }
                }
            }
            for scope in plan.rateScopes {
                let row = try await session.rows(
                    SQLiteQueries.flowStartsCount(
                        scope: scope.scope, since: now.addingTimeInterval(-scope.limit.interval.seconds)))
                let cells = SQLiteCells(row.first ?? [])
                plan.recordedStarts[scope.scope] = (try cells.int(0), try cells.optionalDate(1))
            }

            // Each row read costs a hop between threads, while this transaction holds the write lock
            // that every claim, reservation and completion of the file waits for: read only what
            // can be admitted. A follower is only ever the first task (unless fair share orders
            // them); with no room in the queue, one row tells whether tasks are held back.
            let fair = settings?.fairShare == true
            let room = plan.queueRoom(requested: params.limit, at: now)
            let window =
                room <= 0 || (params.follows != nil && !fair) ? 1 : FlowAdmission.window(requested: params.limit)
            let full = plan.fullResources(at: now)
            let plain = try await session.rows(
                SQLiteQueries.flowCandidatesPlain(queue: params.queue, limit: window, full: full)
            ).map(Self.candidate)
            var ordered = plain
            if fair && room > 0 {
                var busy: [String: Int] = [:]
                for row in try await session.rows(SQLiteQueries.taskCountRunningByOwner(queue: params.queue)) {
                    let cells = SQLiteCells(row)
                    busy[try cells.string(0)] = try cells.int(1)
                }
                ordered = try await Self.fairCandidates(
                    queue: params.queue, window: window, plain: plain, full: full, busy: busy, in: session)
            }
            var blocked = false
            // Whether tasks wait for a full resource, for the answer's `heldBack` and `atLimit`: a
            // follower's reservation uses only the task it gets.
            if !full.isEmpty && params.follows == nil {
                let row = try await session.rows(SQLiteQueries.flowBlocked(queue: params.queue, full: full)).first
                blocked = try row.map { try SQLiteCells($0).bool(0) } ?? false
            }
            let admitted = plan.admit(ordered, requested: params.limit, at: now)
            var tasks: [ClaimedTask] = []
            // A claimed task of a job enters its job's event log in this transaction, as in `taskClaim`.
            var eventJobs = Set<Int64>()
            if !admitted.isEmpty {
                let rows = try await session.rows(
                    SQLiteQueries.taskClaimLimited(
                        ids: admitted.map(\.id.rawValue), workerID: params.workerID,
                        leaseSeconds: params.leaseDuration.seconds, now: now, follows: params.follows))
                var started: [String: Int] = [:]
                var inJobs: [Int64] = []
                for row in rows {
                    let cells = SQLiteCells(row)
                    if try cells.int(11) != 0 { inJobs.append(try cells.int64(0)) }
                    tasks.append(
                        ClaimedTask(
                            id: TaskID(try cells.int64(0)), jobID: JobID(try cells.int64(1)),
                            kind: try cells.string(2), queue: try cells.string(3), owner: try cells.string(4),
                            input: try cells.string(5), attempt: try cells.int(6), maxAttempts: try cells.int(7),
                            priority: Priority(rawValue: Int16(clamping: try cells.int64(8))),
                            createdAt: try cells.date(9)))
                    started["q:" + params.queue, default: 0] += 1
                    for resource in Self.resources(try cells.optionalString(10)) {
                        started["r:" + resource, default: 0] += 1
                    }
                }
                eventJobs = try await Self.recordEvents(inJobs, now: now, in: session)
                for scope in plan.rateScopes {
                    if let count = started[scope.scope], count > 0 {
                        try await session.run(SQLiteQueries.flowStartsInsert(scope: scope.scope, at: now, count: count))
                    }
                    try await session.run(
                        SQLiteQueries.flowStartsPrune(
                            scope: scope.scope, before: now.addingTimeInterval(-scope.limit.interval.seconds - 60)))
                }
                // RETURNING gives rows in the order they were written; hand them over in claim order.
                let order = Dictionary(uniqueKeysWithValues: admitted.enumerated().map { ($0.element.id, $0.offset) })
                tasks.sort { order[$0.id, default: 0] < order[$1.id, default: 0] }
                if params.follows == nil, !params.handlersReturned.isEmpty {
                    // Each task taken pairs with one whose handler returned here, as a follower does.
                    let replaced = try await session.rows(
                        SQLiteQueries.taskReplaced(
                            queue: params.queue, workerID: params.workerID, returned: params.handlersReturned))
                    for (task, row) in zip(tasks, replaced) {
                        let cells = SQLiteCells(row)
                        let leader = TaskAttempt(id: TaskID(try cells.int64(0)), attempt: try cells.int(1))
                        try await session.run(SQLiteQueries.taskSetFollows(task.id, follows: leader))
                    }
                }
            }
            let result = TaskClaimLimitedResult(
                tasks: tasks, heldBack: tasks.count < params.limit && (ordered.count > tasks.count || blocked),
                retryAt: plan.retryAt(at: now), atLimit: blocked || plan.atLimit(after: admitted, at: now))
            return (result, eventJobs)
        }
        announce(eventJobs)
        return result
    }

    /// The fair-share window: owners walked one `tasks_fair` seek each; each owner's first task,
    /// in the round after what it runs (`busy`), orders them, and the first `window` of them give
    /// tasks enough to fill every round the window reaches; unowned tasks come from the plain
    /// window. Mirrors `flow_claim` in the PostgreSQL driver's migration 4.
    private static func fairCandidates(
        queue: String, window: Int, plain: [FlowCandidate], full: [String], busy: [String: Int],
        in session: SQLiteSession
    ) async throws -> [FlowCandidate] {
        var heads: [FlowCandidate] = []
        var after = ""
        while let row = try await session.rows(
            SQLiteQueries.flowNextOwnerHead(queue: queue, after: after, full: full)
        ).first {
            let head = try candidate(row)
            heads.append(head)
            after = head.owner
        }
        let unowned = plain.filter { $0.owner.isEmpty }
        if let first = unowned.first { heads.append(first) }
        let chosen = heads.sorted { a, b in
            (a.priority.rawValue, busy[a.owner, default: 0], a.runAt, a.id.rawValue)
                < (b.priority.rawValue, busy[b.owner, default: 0], b.runAt, b.id.rawValue)
        }.prefix(window)
        let share = FlowAdmission.perOwner(window: window, owners: chosen.count)
        let top = chosen.map { busy[$0.owner, default: 0] }.max() ?? 0
        var candidates: [FlowCandidate] = []
        for head in chosen {
            if head.owner.isEmpty {
                candidates += unowned
            } else {
                let limit = min(window, share + top - busy[head.owner, default: 0])
                candidates += try await session.rows(
                    SQLiteQueries.flowOwnerTasks(queue: queue, owner: head.owner, limit: limit, full: full)
                ).map(candidate)
            }
        }
        return Array(FlowAdmission.order(candidates, fairShare: true, busy: busy).prefix(window))
    }

    private static func candidate(_ row: [SQLiteData]) throws -> FlowCandidate {
        let cells = SQLiteCells(row)
        return FlowCandidate(
            id: TaskID(try cells.int64(0)), owner: try cells.string(1),
            priority: Priority(rawValue: Int16(clamping: try cells.int64(2))), runAt: try cells.date(3),
            resources: resources(try cells.optionalString(4)))
    }

    /// The names in a stored JSON array of resources; none for NULL.
    static func resources(_ json: String?) -> [String] {
        guard let json, let names = try? JSONDecoder().decode([String].self, from: Data(json.utf8)) else { return [] }
        return names
    }

    static func queueSettings(_ row: [SQLiteData]) throws -> QueueSettings {
        let cells = SQLiteCells(row)
        return QueueSettings(
            try cells.string(0),
            paused: try cells.bool(1),
            concurrencyLimit: try cells.optionalInt(2),
            rateLimit: try rateLimit(count: cells.optionalInt(3), milliseconds: cells.optionalInt64(4)),
            timeout: try cells.optionalInt64(5).map { .milliseconds($0) },
            maxAttempts: try cells.optionalInt(6),
            fairShare: try cells.bool(7),
            peak: try peak(
                start: cells.optionalInt(8), end: cells.optionalInt(9), multiplier: cells.optionalDouble(10),
                timeZone: cells.optionalString(11)),
            updatedAt: try cells.date(12)
        )
    }

    static func resourceSettings(_ row: [SQLiteData]) throws -> ResourceSettings {
        let cells = SQLiteCells(row)
        return ResourceSettings(
            try cells.string(0),
            concurrencyLimit: try cells.optionalInt(1),
            rateLimit: try rateLimit(count: cells.optionalInt(2), milliseconds: cells.optionalInt64(3)),
            peak: try peak(
                start: cells.optionalInt(4), end: cells.optionalInt(5), multiplier: cells.optionalDouble(6),
                timeZone: cells.optionalString(7)),
            updatedAt: try cells.date(8)
        )
    }

    private static func rateLimit(count: Int?, milliseconds: Int64?) -> RateLimit? {
        guard let count, let milliseconds else { return nil }
        return RateLimit(count, per: .milliseconds(milliseconds))
    }

    private static func peak(start: Int?, end: Int?, multiplier: Double?, timeZone: String?) -> PeakWindow? {
        guard let start, let end, let multiplier else { return nil }
        return PeakWindow(start: start, end: end, multiplier: multiplier, timeZone: timeZone ?? "UTC")
    }
}
