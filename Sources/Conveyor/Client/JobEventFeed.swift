/// A job's changes as they are committed, from a position on, until the job ends: what
/// ``ConveyorClient/jobEvents(_:after:notifier:pollInterval:)`` returns.
///
/// ```swift
/// for try await event in client.jobEvents(job.jobID) {
///     print(event.sequence, event.task.id, event.task.state, event.jobState)
/// }
/// ```
///
/// Each event is numbered (``JobEvent/sequence``); a reader that stopped resumes with
/// `after: lastSequence` and gets every later change, in order, none twice. The sequence ends
/// after the event that ends the job (completed, failed or cancelled), at once when the job had
/// already ended before `after`, and throws `.notFound` when there is no such job.
///
/// A job enqueued as a plain single task (``ConveyorClient/enqueue(_:owner:idempotencyKey:)``
/// without a key) keeps no log, so that a plain queue's hot path pays nothing: its feed reports its
/// state as read at each wake-up, so changes between two reads are seen as one.
public struct JobEventFeed: AsyncSequence, Sendable {
    public typealias Element = JobEvent

    let client: ConveyorClient
    let jobID: JobID
    let after: Int
    let notifier: JobEventNotifier?
    let pollInterval: Duration

    public func makeAsyncIterator() -> Iterator {
        Iterator(feed: self, fold: JobEventFold(jobID: jobID))
    }

    /// Reads the log in pages, numbering rows as it applies them; waits when caught up.
    public struct Iterator: AsyncIteratorProtocol {
        let feed: JobEventFeed
        var fold: JobEventFold
        var pending: [JobEvent] = []
        var started = false
        var ending = false
        /// Set for a plain task's job, which keeps no log: the last state reported.
        var plain: TaskChange?? = nil
        var plainSequence = 0
        /// Reads in a row that found nothing new: the wait before the next one grows with it.
        var emptyReads = 0

        static let pageSize = 500

        public mutating func next() async throws -> JobEvent? {
            while true {
                if !pending.isEmpty { return pending.removeFirst() }
                if ending { return nil }
                try Task.checkCancellation()
                let generation = feed.notifier?.generation ?? 0
                if !started {
                    started = true
                    guard let job = try await feed.client.job(feed.jobID) else {
                        throw ConveyorError(.notFound, "there is no job \(feed.jobID)")
                    }
                    if job.tasks.contains(where: { $0.id.rawValue == job.id.rawValue }) {
                        plain = .some(nil)
                        plainSequence = feed.after
                    }
                }
                if case .some(let last) = plain {
                    try await readPlain(last: last)
                } else {
                    try await readLog()
                }
                if pending.isEmpty && !ending {
                    await wait(since: generation)
                    emptyReads += 1
                } else {
                    emptyReads = 0
                }
            }
        }

        private mutating func readLog() async throws {
            while true {
                let records = try await feed.client.driver.jobEventList(
                    .init(jobID: feed.jobID, offset: fold.seen, limit: Self.pageSize))
                for record in records {
                    let event = fold.apply(record)
                    if event.sequence > feed.after { pending.append(event) }
                }
                if records.count < Self.pageSize { break }
            }
            // A final state read from the log may be followed by rows not readable yet (a redrive
            // whose transaction is younger than one still open): end only when none are left.
            if fold.isFinal {
                ending = try await feed.client.driver.jobEventCount(feed.jobID) == fold.seen
            }
        }

        private mutating func readPlain(last: TaskChange?) async throws {
            guard let job = try await feed.client.job(feed.jobID),
                let task = job.tasks.first(where: { $0.id.rawValue == job.id.rawValue })
            else {
                ending = true
                return
            }
            let change = TaskChange(
                id: task.id, name: task.name, state: task.state, attempt: task.attempt, progress: task.progress,
                progressMessage: task.progressMessage, lastError: task.errors.last?.error)
            if change != last {
                plain = .some(change)
                plainSequence += 1
                pending.append(
                    JobEvent(
                        sequence: plainSequence, jobID: feed.jobID, jobState: job.state, jobProgress: job.progress,
                        task: change, at: task.finishedAt ?? task.attemptedAt ?? task.createdAt))
            }
            ending = job.state == .completed || job.state == .failed || job.state == .cancelled
        }

        /// Until the notifier signals the job or, at the latest, the poll interval has passed.
        private func wait(since generation: Int) async {
            guard let notifier = feed.notifier else {
                try? await Task.sleep(for: feed.pollInterval)
                return
            }
            let jobID = feed.jobID
            // A notification can come before its rows are readable (on PostgreSQL, while an older
            // transaction is still open): after reads that found nothing, look again soon, then
            // less and less often, up to the poll interval.
            let backoff = Duration.milliseconds(20) * (1 << Swift.min(emptyReads, 10))
            let timeout = emptyReads == 0 ? notifier.pollInterval : Swift.min(notifier.pollInterval, backoff)
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await notifier.wait(for: jobID, since: generation) }
                group.addTask { try? await Task.sleep(for: timeout) }
                await group.next()
                group.cancelAll()
            }
        }
    }
}

extension ConveyorClient {
    /// The job's changes (each task's state, attempt, progress and last error, with the job's
    /// state) from after event `after` on, until the job ends: see ``JobEventFeed``.
    ///
    /// - Parameters:
    ///   - after: the ``JobEvent/sequence`` of the last event already seen (0: from the start).
    ///   - notifier: wakes the feed as soon as its job changes (and it looks every
    ///     ``JobEventNotifier/pollInterval`` anyway); without one it looks every `pollInterval`.
    public func jobEvents(
        _ id: JobID, after: Int = 0, notifier: JobEventNotifier? = nil, pollInterval: Duration = .milliseconds(250)
    ) -> JobEventFeed {
        JobEventFeed(client: self, jobID: id, after: max(0, after), notifier: notifier, pollInterval: pollInterval)
    }
}
