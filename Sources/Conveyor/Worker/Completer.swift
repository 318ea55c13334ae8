import Foundation
package import Logging
import Metrics
import Synchronization

/// Writes attempt outcomes in batches: one statement per flush.
///
/// A flush starts as soon as an outcome arrives and nothing is being written; outcomes that
/// arrive during a flush go together in the next one, so batches grow with load and latency
/// stays low when idle. A failed write is logged as an error and retried; fencing in the driver
/// makes a retried write harmless.
package final class Completer: Sendable {
    package struct Configuration: Sendable {
        /// Most outcomes in one statement.
        package var maxBatch: Int = 2000
        /// Delay before retrying a failed write; doubles up to `maxRetryDelay`.
        package var retryDelay: Duration = .milliseconds(100)
        package var maxRetryDelay: Duration = .seconds(5)
        /// While shutting down, give up after this many failed writes (leases then expire and rescue).
        package var shutdownAttempts = 5
        package init() {}
    }

    private struct State {
        var pending: [TaskCompletion] = []
        var finishing = false
    }

    private let driver: any QueueDriver
    private let running: RunningTasks
    private let configuration: Configuration
    private let logger: Logger
    private let state = Mutex(State())
    private let signal = WakeSignal()
    private let ignored: Counter
    private let failedWrites: Counter

    package init(driver: any QueueDriver, running: RunningTasks, configuration: Configuration, logger: Logger) {
        self.driver = driver
        self.running = running
        self.configuration = configuration
        self.logger = logger
        self.ignored = Counter(label: "conveyor_completions_ignored_total")
        self.failedWrites = Counter(label: "conveyor_completion_write_errors_total")
    }

    package func submit(_ completion: TaskCompletion) {
        state.withLock { $0.pending.append(completion) }
        signal.fire()
    }

    /// Writes what is pending, then returns from `run()`.
    package func finish() {
        state.withLock { $0.finishing = true }
        signal.fire()
    }

    package var pendingCount: Int { state.withLock { $0.pending.count } }

    package func run() async {
        for await _ in signal.stream {
            while let batch = takeBatch() {
                await write(batch)
            }
            if state.withLock({ $0.finishing && $0.pending.isEmpty }) { return }
        }
    }

    private func takeBatch() -> [TaskCompletion]? {
        state.withLock { state in
            guard !state.pending.isEmpty else { return nil }
            if state.pending.count <= configuration.maxBatch {
                defer { state.pending.removeAll(keepingCapacity: true) }
                return state.pending
            }
            let batch = Array(state.pending.prefix(configuration.maxBatch))
            state.pending.removeFirst(configuration.maxBatch)
            return batch
        }
    }

    private func write(_ batch: [TaskCompletion]) async {
        // A completion that adds tasks is its own transaction; the rest go together.
        guard batch.allSatisfy(\.addedTasks.isEmpty) else {
            for completion in batch where !completion.addedTasks.isEmpty { await writeWithAddedTasks(completion) }
            let plain = batch.filter(\.addedTasks.isEmpty)
            if !plain.isEmpty { await write(plain) }
            return
        }
        var delay = configuration.retryDelay
        var failures = 0
        while true {
            do {
                let written = try await driver.taskCompleteMany(.init(completions: batch))
                settle(batch, written: written)
                return
            } catch let error as ConveyorError where error.code == .databaseFailure {
                // The database refused the statement itself: retrying the same batch would fail
                // forever and hold up every outcome in it. Find the outcome it refuses.
                failedWrites.increment()
                await isolate(batch, refusal: error)
                return
            } catch {
                failures += 1
                failedWrites.increment()
                logger.error(
                    "writing task outcomes failed; will retry",
                    metadata: ["count": "\(batch.count)", "error": "\(String(reflecting: error))"]
                )
                let finishing = state.withLock { $0.finishing }
                if (finishing && failures >= configuration.shutdownAttempts) || Task.isCancelled {
                    logger.error(
                        "giving up on task outcomes; their leases will expire and the tasks will be rescued",
                        metadata: ["count": "\(batch.count)"]
                    )
                    for completion in batch { running.remove(completion.id, attempt: completion.attempt) }
                    return
                }
                try? await Task.sleep(for: delay)
                delay = min(delay * 2, configuration.maxRetryDelay)
            }
        }
    }

    /// Writes a completion with the tasks its handler added, retrying while the database is
    /// unreachable. Refused tasks discard the completing task with the reason.
    private func writeWithAddedTasks(_ completion: TaskCompletion) async {
        guard case .completed(let result) = completion.outcome else {
            await write([TaskCompletion(id: completion.id, attempt: completion.attempt, outcome: completion.outcome)])
            return
        }
        var delay = configuration.retryDelay
        var failures = 0
        while true {
            do {
                let outcome = try await driver.taskCompleteWithTasks(
                    .init(id: completion.id, attempt: completion.attempt, result: result, tasks: completion.addedTasks)
                )
                switch outcome {
                case .written:
                    running.remove(completion.id, attempt: completion.attempt)
                case .notHeld:
                    settle([completion], written: [])
                case .refused(let reason):
                    logger.error(
                        "the tasks a handler added were refused; discarding the task",
                        metadata: ["task_id": "\(completion.id)", "reason": "\(reason)"])
                    let error = AttemptError(
                        attempt: completion.attempt, at: Date(), error: "the tasks it added were refused: \(reason)",
                        worker: nil)
                    await write([
                        TaskCompletion(
                            id: completion.id, attempt: completion.attempt, outcome: .discarded(error: error))
                    ])
                }
                return
            } catch let error as ConveyorError where error.code == .databaseFailure {
                failedWrites.increment()
                logger.error(
                    "the database refused a completion with added tasks; discarding the task",
                    metadata: ["task_id": "\(completion.id)", "error": "\(String(reflecting: error))"])
                let reason = AttemptError(
                    attempt: completion.attempt, at: Date(),
                    error: "the outcome and the tasks it added could not be stored: \(error.message)", worker: nil)
                await write([
                    TaskCompletion(id: completion.id, attempt: completion.attempt, outcome: .discarded(error: reason))
                ])
                return
            } catch {
                failures += 1
                failedWrites.increment()
                logger.error(
                    "writing a completion with added tasks failed; will retry",
                    metadata: ["task_id": "\(completion.id)", "error": "\(String(reflecting: error))"])
                let finishing = state.withLock { $0.finishing }
                if (finishing && failures >= configuration.shutdownAttempts) || Task.isCancelled {
                    running.remove(completion.id, attempt: completion.attempt)
                    return
                }
                try? await Task.sleep(for: delay)
                delay = min(delay * 2, configuration.maxRetryDelay)
            }
        }
    }

    /// Bisects a refused batch until the refused outcome stands alone, then writes that task as
    /// discarded with the reason, so it is never lost and never blocks the others.
    private func isolate(_ batch: [TaskCompletion], refusal: ConveyorError) async {
        guard batch.count == 1, let refused = batch.first else {
            let middle = batch.count / 2
            await write(Array(batch[..<middle]))
            await write(Array(batch[middle...]))
            return
        }
        logger.error(
            "the database refused a task outcome",
            metadata: ["task_id": "\(refused.id)", "error": "\(String(reflecting: refusal))"]
        )
        if case .discarded = refused.outcome {
            running.remove(refused.id, attempt: refused.attempt)
            return
        }
        let reason = AttemptError(
            attempt: refused.attempt, at: Date(), error: "the outcome could not be stored: \(refusal.message)",
            worker: nil
        )
        await write([TaskCompletion(id: refused.id, attempt: refused.attempt, outcome: .discarded(error: reason))])
    }

    private func settle(_ batch: [TaskCompletion], written: [TaskID]) {
        if written.count != batch.count {
            let writtenSet = Set(written)
            for completion in batch where !writtenSet.contains(completion.id) {
                ignored.increment()
                logger.warning(
                    "outcome not written: the task is no longer held by this attempt",
                    metadata: ["task_id": "\(completion.id)", "attempt": "\(completion.attempt)"]
                )
            }
        }
        for completion in batch { running.remove(completion.id, attempt: completion.attempt) }
    }
}
