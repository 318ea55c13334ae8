import Synchronization

/// Why the runtime cancelled a handler.
package enum CancelReason: Sendable, Hashable {
    /// The attempt ran past its timeout.
    case timeout(Duration)
    /// The task is no longer held by this attempt: rescued, cancelled, or claimed again.
    case leaseLost
    /// The worker is shutting down and the deadline passed.
    case shutdown
}

/// The attempts this worker holds, from claim until their outcome is written.
///
/// The heartbeater extends the leases of every task here; a handler's `Task` is kept so that a
/// timeout, a lost lease or shutdown can cancel exactly that handler. Entries are per attempt: a
/// task rescued from under a slow handler may be claimed again by this same worker, and the old
/// attempt's handler must then be cancelled, not forgotten.
package final class RunningTasks: Sendable {
    private struct Entry {
        var deadline: ContinuousClock.Instant?
        var timeout: Duration?
        var handle: Task<String?, any Error>?
        var cancelReason: CancelReason?
        var finished = false
        /// A follower is being (or was) reserved to take this attempt's place: its place passes
        /// to that follower, so it is never reported in ``handlersReturned``.
        var handingOver = false
        /// Tasks the handler added to its job, written with its completion.
        var added: [NewTask] = []
    }

    /// By task, then attempt: nearly always one attempt per task, so every operation on one task
    /// stays constant-time however many run.
    private let entries = Mutex<[TaskID: [Int: Entry]]>([:])

    package init() {}

    /// Attempts held, running or waiting for their outcome to be written.
    package var count: Int { entries.withLock { $0.values.reduce(0) { $0 + $1.count } } }

    /// The tasks held, each once.
    package var ids: [TaskID] { entries.withLock { Array($0.keys) } }

    /// Attempts whose handler is still running.
    package var activeCount: Int {
        entries.withLock { $0.values.reduce(0) { $0 + $1.values.count(where: { !$0.finished }) } }
    }

    /// Tasks whose handler has returned but whose outcome is not written yet, with their attempt:
    /// still `running` in the database, yet using no capacity any more. Only a task's latest
    /// attempt counts (the database row is at that one), and not one whose place is handed over
    /// (``beginHandOver(_:attempt:)``).
    package var handlersReturned: [TaskID: Int] {
        entries.withLock { entries in
            var returned: [TaskID: Int] = [:]
            for (id, attempts) in entries {
                if let latest = attempts.max(by: { $0.key < $1.key }), latest.value.finished,
                    !latest.value.handingOver
                {
                    returned[id] = latest.key
                }
            }
            return returned
        }
    }

    /// Marks an attempt whose follower is about to be reserved, unless its handler has returned
    /// already (then it returns false, and no follower should be reserved). From then on a claim
    /// of this worker counts the attempt as holding its place, so the place cannot be given both
    /// to a claim that counted the handler as returned and to the follower.
    package func beginHandOver(_ id: TaskID, attempt: Int) -> Bool {
        entries.withLock { entries in
            guard var entry = entries[id]?[attempt], !entry.finished else { return false }
            entry.handingOver = true
            entries[id]?[attempt] = entry
            return true
        }
    }

    /// No follower was reserved after all: the attempt's place is its own again.
    package func endHandOver(_ id: TaskID, attempt: Int) {
        entries.withLock { $0[id]?[attempt]?.handingOver = false }
    }

    /// Records a claimed attempt. An older attempt of the same task still here has lost the task
    /// to this one: its handler is cancelled.
    package func insert(_ id: TaskID, attempt: Int) {
        let superseded = entries.withLock { entries -> [Task<String?, any Error>] in
            var attempts = entries[id] ?? [:]
            attempts[attempt] = Entry()
            let handles = attempts.keys.filter { $0 < attempt }.compactMap {
                Self.markCancelled(&attempts, $0, .leaseLost)
            }
            entries[id] = attempts
            return handles
        }
        for handle in superseded { handle.cancel() }
    }

    /// Attaches the handler's task and its timeout; cancels it at once if a cancel came first.
    package func attach(_ id: TaskID, attempt: Int, handle: Task<String?, any Error>, timeout: Duration?) {
        let cancelNow = entries.withLock { entries -> Bool in
            guard var entry = entries[id]?[attempt] else { return true }
            entry.handle = handle
            entry.timeout = timeout
            entry.deadline = timeout.map { ContinuousClock.now.advanced(by: $0) }
            entries[id]?[attempt] = entry
            return entry.cancelReason != nil
        }
        if cancelNow { handle.cancel() }
    }

    /// Marks the handler as returned; the entry stays until its outcome is written.
    @discardableResult
    package func handlerFinished(_ id: TaskID, attempt: Int) -> CancelReason? {
        entries.withLock { entries in
            entries[id]?[attempt]?.finished = true
            entries[id]?[attempt]?.handle = nil
            return entries[id]?[attempt]?.cancelReason
        }
    }

    /// Keeps tasks a running handler adds to its job; false when the attempt is no longer here.
    package func addTasks(_ tasks: [NewTask], to id: TaskID, attempt: Int) -> Bool {
        entries.withLock { entries in
            guard entries[id]?[attempt] != nil else { return false }
            entries[id]?[attempt]?.added.append(contentsOf: tasks)
            return true
        }
    }

    /// The tasks the attempt's handler added so far.
    package func addedTasks(_ id: TaskID, attempt: Int) -> [NewTask] {
        entries.withLock { $0[id]?[attempt]?.added ?? [] }
    }

    /// Forgets an attempt once its outcome is written; other attempts of the task stay.
    package func remove(_ id: TaskID, attempt: Int) {
        entries.withLock { entries in
            entries[id]?.removeValue(forKey: attempt)
            if entries[id]?.isEmpty == true { entries.removeValue(forKey: id) }
        }
    }

    /// Cancels the handlers of every attempt of a task still running, once, with a reason.
    /// Returns false when there was nothing to cancel: the handlers had already returned (their
    /// outcome may be written already) or were cancelled before.
    @discardableResult
    package func cancel(_ id: TaskID, reason: CancelReason) -> Bool {
        let handles = entries.withLock { entries -> [Task<String?, any Error>?] in
            guard var attempts = entries[id] else { return [] }
            let eligible = attempts.filter { !$0.value.finished && $0.value.cancelReason == nil }.keys
            let handles = eligible.map { Self.markCancelled(&attempts, $0, reason) }
            entries[id] = attempts
            return handles
        }
        for handle in handles { handle?.cancel() }
        return !handles.isEmpty
    }

    /// Cancels every running handler, for shutdown.
    package func cancelAll(reason: CancelReason) {
        for id in ids { cancel(id, reason: reason) }
    }

    /// Cancels the handlers whose timeout has passed; returns how many.
    @discardableResult
    package func cancelOverdue(now: ContinuousClock.Instant = .now) -> Int {
        let overdue = entries.withLock { entries -> [Task<String?, any Error>?] in
            var handles: [Task<String?, any Error>?] = []
            for (id, attempts) in entries {
                for (attempt, entry) in attempts {
                    guard let deadline = entry.deadline, let timeout = entry.timeout, !entry.finished,
                        entry.cancelReason == nil, deadline <= now
                    else { continue }
                    handles.append(Self.markCancelled(&entries[id, default: [:]], attempt, .timeout(timeout)))
                }
            }
            return handles
        }
        for handle in overdue { handle?.cancel() }
        return overdue.count
    }

    /// Records why an attempt is cancelled (first reason wins); returns its handler to cancel.
    private static func markCancelled(
        _ attempts: inout [Int: Entry], _ attempt: Int, _ reason: CancelReason
    ) -> Task<String?, any Error>? {
        guard var entry = attempts[attempt], !entry.finished, entry.cancelReason == nil else { return nil }
        entry.cancelReason = reason
        attempts[attempt] = entry
        return entry.handle
    }
}
