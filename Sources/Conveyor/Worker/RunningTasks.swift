import Synchronization

/// Why the runtime cancelled a handler.
package enum CancelReason: Sendable, Hashable {
    /// The attempt ran past its timeout.
    case timeout(Duration)
    /// The heartbeat found the task no longer held by this worker (rescued or cancelled).
    case leaseLost
    /// The worker is shutting down and the deadline passed.
    case shutdown
}

/// The tasks this worker holds, from claim until their outcome is written.
///
/// The heartbeater extends the leases of every task here; a handler's `Task` is kept so that a
/// timeout, a lost lease or shutdown can cancel exactly that handler.
package final class RunningTasks: Sendable {
    private struct Entry {
        var attempt: Int
        var deadline: ContinuousClock.Instant?
        var timeout: Duration?
        var handle: Task<String?, any Error>?
        var cancelReason: CancelReason?
        var finished = false
    }

    private let entries = Mutex<[TaskID: Entry]>([:])

    package init() {}

    package var count: Int { entries.withLock { $0.count } }

    package var ids: [TaskID] { entries.withLock { Array($0.keys) } }

    /// Tasks whose handler is still running.
    package var activeCount: Int { entries.withLock { $0.values.count(where: { !$0.finished }) } }

    package func insert(_ id: TaskID, attempt: Int) {
        entries.withLock { $0[id] = Entry(attempt: attempt) }
    }

    /// Attaches the handler's task and its timeout; cancels it at once if a cancel came first.
    package func attach(_ id: TaskID, handle: Task<String?, any Error>, timeout: Duration?) {
        let cancelNow = entries.withLock { entries -> Bool in
            guard var entry = entries[id] else { return true }
            entry.handle = handle
            entry.timeout = timeout
            entry.deadline = timeout.map { ContinuousClock.now.advanced(by: $0) }
            entries[id] = entry
            return entry.cancelReason != nil
        }
        if cancelNow { handle.cancel() }
    }

    /// Marks the handler as returned; the entry stays until its outcome is written.
    @discardableResult
    package func handlerFinished(_ id: TaskID) -> CancelReason? {
        entries.withLock { entries in
            entries[id]?.finished = true
            entries[id]?.handle = nil
            return entries[id]?.cancelReason
        }
    }

    /// Forgets a task once its outcome is written, but only the entry of that attempt: if the task
    /// was already claimed again, the new attempt's entry stays and keeps its lease alive.
    package func remove(_ id: TaskID, attempt: Int) {
        entries.withLock { entries in
            if entries[id]?.attempt == attempt { entries.removeValue(forKey: id) }
        }
    }

    /// Cancels the handler of a task, once, with a reason. Returns false when there was nothing to
    /// cancel: the handler had already returned (its outcome may be written already) or was
    /// cancelled before.
    @discardableResult
    package func cancel(_ id: TaskID, reason: CancelReason) -> Bool {
        let (cancelled, handle) = entries.withLock { entries -> (Bool, Task<String?, any Error>?) in
            guard var entry = entries[id], !entry.finished, entry.cancelReason == nil else { return (false, nil) }
            entry.cancelReason = reason
            entries[id] = entry
            return (true, entry.handle)
        }
        handle?.cancel()
        return cancelled
    }

    /// Cancels every running handler, for shutdown.
    package func cancelAll(reason: CancelReason) {
        for id in ids { cancel(id, reason: reason) }
    }

    /// Cancels the handlers whose timeout has passed; returns how many.
    @discardableResult
    package func cancelOverdue(now: ContinuousClock.Instant = .now) -> Int {
        let overdue = entries.withLock { entries in
            entries.compactMap { id, entry -> (TaskID, Duration)? in
                guard let deadline = entry.deadline, let timeout = entry.timeout, !entry.finished,
                    entry.cancelReason == nil, deadline <= now
                else { return nil }
                return (id, timeout)
            }
        }
        for (id, timeout) in overdue { cancel(id, reason: .timeout(timeout)) }
        return overdue.count
    }
}
