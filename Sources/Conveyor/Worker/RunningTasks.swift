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
    private struct Key: Hashable {
        var id: TaskID
        var attempt: Int
    }

    private struct Entry {
        var deadline: ContinuousClock.Instant?
        var timeout: Duration?
        var handle: Task<String?, any Error>?
        var cancelReason: CancelReason?
        var finished = false
    }

    private let entries = Mutex<[Key: Entry]>([:])

    package init() {}

    /// Attempts held, running or waiting for their outcome to be written.
    package var count: Int { entries.withLock { $0.count } }

    /// The tasks held, each once.
    package var ids: [TaskID] { entries.withLock { Array(Set($0.keys.map(\.id))) } }

    /// Attempts whose handler is still running.
    package var activeCount: Int { entries.withLock { $0.values.count(where: { !$0.finished }) } }

    /// Records a claimed attempt. An older attempt of the same task still here has lost the task
    /// to this one: its handler is cancelled.
    package func insert(_ id: TaskID, attempt: Int) {
        let superseded = entries.withLock { entries -> [Task<String?, any Error>] in
            entries[Key(id: id, attempt: attempt)] = Entry()
            let older = entries.keys.filter { $0.id == id && $0.attempt < attempt }
            return older.compactMap { Self.markCancelled(&entries, $0, .leaseLost) }
        }
        for handle in superseded { handle.cancel() }
    }

    /// Attaches the handler's task and its timeout; cancels it at once if a cancel came first.
    package func attach(_ id: TaskID, attempt: Int, handle: Task<String?, any Error>, timeout: Duration?) {
        let cancelNow = entries.withLock { entries -> Bool in
            let key = Key(id: id, attempt: attempt)
            guard var entry = entries[key] else { return true }
            entry.handle = handle
            entry.timeout = timeout
            entry.deadline = timeout.map { ContinuousClock.now.advanced(by: $0) }
            entries[key] = entry
            return entry.cancelReason != nil
        }
        if cancelNow { handle.cancel() }
    }

    /// Marks the handler as returned; the entry stays until its outcome is written.
    @discardableResult
    package func handlerFinished(_ id: TaskID, attempt: Int) -> CancelReason? {
        entries.withLock { entries in
            let key = Key(id: id, attempt: attempt)
            entries[key]?.finished = true
            entries[key]?.handle = nil
            return entries[key]?.cancelReason
        }
    }

    /// Forgets an attempt once its outcome is written; other attempts of the task stay.
    package func remove(_ id: TaskID, attempt: Int) {
        _ = entries.withLock { $0.removeValue(forKey: Key(id: id, attempt: attempt)) }
    }

    /// Cancels the handlers of every attempt of a task still running, once, with a reason.
    /// Returns false when there was nothing to cancel: the handlers had already returned (their
    /// outcome may be written already) or were cancelled before.
    @discardableResult
    package func cancel(_ id: TaskID, reason: CancelReason) -> Bool {
        let handles = entries.withLock { entries -> [Task<String?, any Error>?] in
            let eligible = entries.filter { key, entry in
                key.id == id && !entry.finished && entry.cancelReason == nil
            }.keys
            return eligible.map { Self.markCancelled(&entries, $0, reason) }
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
            let due = entries.compactMap { key, entry -> (Key, Duration)? in
                guard let deadline = entry.deadline, let timeout = entry.timeout, !entry.finished,
                    entry.cancelReason == nil, deadline <= now
                else { return nil }
                return (key, timeout)
            }
            return due.map { key, timeout in Self.markCancelled(&entries, key, .timeout(timeout)) }
        }
        for handle in overdue { handle?.cancel() }
        return overdue.count
    }

    /// Records why an attempt is cancelled (first reason wins); returns its handler to cancel.
    private static func markCancelled(
        _ entries: inout [Key: Entry], _ key: Key, _ reason: CancelReason
    ) -> Task<String?, any Error>? {
        guard var entry = entries[key], !entry.finished, entry.cancelReason == nil else { return nil }
        entry.cancelReason = reason
        entries[key] = entry
        return entry.handle
    }
}
