import Foundation
package import Logging

/// Runs one claimed task's handler and turns what happened into an outcome.
package struct TaskExecutor: Sendable {
    let registry: TaskRegistry
    let driver: any QueueDriver
    let running: RunningTasks
    let workerID: String
    let logger: Logger
    /// Results larger than this are refused: large outputs belong in artifacts, not rows.
    var maxResultBytes = 64 * 1024
    /// Where handlers' artifacts go.
    var artifactStore: (any ArtifactStore)? = nil

    package init(
        registry: TaskRegistry, driver: any QueueDriver, running: RunningTasks, workerID: String, logger: Logger,
        maxResultBytes: Int = 64 * 1024, artifactStore: (any ArtifactStore)? = nil
    ) {
        self.registry = registry
        self.driver = driver
        self.running = running
        self.workerID = workerID
        self.logger = logger
        self.maxResultBytes = maxResultBytes
        self.artifactStore = artifactStore
    }

    package func execute(_ task: ClaimedTask, queue: QueueConfiguration) async -> TaskCompletion {
        guard let handler = registry.handler(for: task.kind) else {
            running.handlerFinished(task.id, attempt: task.attempt)
            let reason = "no handler is registered for task kind '\(task.kind)' on worker \(workerID)"
            taskLogger(task).error("discarding task: \(reason)")
            return completion(task, .discarded(error: attemptError(task, reason)))
        }

        // The context's logger gets the task's metadata when a handler first reads it, not here:
        // this runs for every task, and most handlers of short tasks never log.
        var context = TaskContext(
            taskID: task.id, jobID: task.jobID, kind: task.kind, queue: task.queue, owner: task.owner,
            attempt: task.attempt, maxAttempts: task.maxAttempts, workerID: workerID, workerLogger: logger
        )
        context.driver = driver
        context.artifactStore = artifactStore
        context.running = running
        let timeout = handler.timeout ?? queue.timeout
        // The handler runs in its own Task so that a timeout, a lost lease or shutdown can cancel
        // exactly this handler; this child awaits it, so it never outlives the worker. The Task
        // starts on this thread (the child only waits for it), saving a thread hop per task.
        let handle: Task<String?, any Error>
        if #available(macOS 26, iOS 26, tvOS 26, watchOS 26, visionOS 26, *) {
            handle = Task.immediate { try await handler.run(task.input, context) }
        } else {
            handle = Task { try await handler.run(task.input, context) }
        }
        running.attach(task.id, attempt: task.attempt, handle: handle, timeout: timeout)
        let result = await withTaskCancellationHandler {
            await handle.result
        } onCancel: {
            handle.cancel()
        }
        let cancelReason = running.handlerFinished(task.id, attempt: task.attempt)
        switch result {
        case .success(let output):
            if let output, output.utf8.count > maxResultBytes {
                let reason =
                    "the result is \(output.utf8.count) bytes, over the \(maxResultBytes)-byte limit: store it as an artifact and return its name"
                taskLogger(task).error("task discarded: \(reason)")
                return completion(task, .discarded(error: attemptError(task, reason)))
            }
            let added = running.addedTasks(task.id, attempt: task.attempt)
            guard !added.isEmpty else {
                if logger.logLevel <= .debug { taskLogger(task).debug("task completed") }
                return completion(task, .completed(result: output))
            }
            do {
                let inserts = try TaskGraph.inserts(for: added, allowsExisting: true)
                taskLogger(task).debug("task completed", metadata: ["added_tasks": "\(inserts.count)"])
                return TaskCompletion(
                    id: task.id, attempt: task.attempt, outcome: .completed(result: output), addedTasks: inserts)
            } catch {
                let reason = "the tasks it added were refused: \(Self.message(of: error))"
                taskLogger(task).error("task discarded: \(reason)")
                return completion(task, .discarded(error: attemptError(task, reason)))
            }
        case .failure(let error):
            let outcome = outcome(
                of: error, task: task, cancelReason: cancelReason,
                retryPolicy: handler.retryPolicy ?? queue.retryPolicy, logger: taskLogger(task)
            )
            return completion(task, outcome)
        }
    }

    /// The worker's logger with the task's metadata, for the lines about one task.
    private func taskLogger(_ task: ClaimedTask) -> Logger {
        TaskContext.taskLogger(
            workerLogger: logger, taskID: task.id, jobID: task.jobID, queue: task.queue, attempt: task.attempt,
            kind: task.kind)
    }

    /// The outcome of a handler that threw.
    private func outcome(
        of error: any Error,
        task: ClaimedTask,
        cancelReason: CancelReason?,
        retryPolicy: RetryPolicy,
        logger: Logger
    ) -> TaskCompletion.Outcome {
        switch cancelReason {
        case .shutdown:
            logger.info("task released at shutdown")
            return .released
        case .timeout(let timeout):
            return failed(task, "timed out after \(timeout)", retryPolicy: retryPolicy, logger: logger)
        case .leaseLost:
            logger.warning("handler cancelled: the task is no longer held by this worker")
            return failed(task, "cancelled: lease lost", retryPolicy: retryPolicy, logger: logger)
        case nil:
            break
        }

        switch error {
        case let snooze as TaskSnooze:
            logger.debug("task snoozed", metadata: ["delay": "\(snooze.delay)"])
            return .snoozed(until: Date().addingTimeInterval(snooze.delay.seconds))
        case let discard as TaskDiscard:
            logger.warning("task discarded by its handler", metadata: ["reason": "\(discard.reason)"])
            return .discarded(error: attemptError(task, discard.reason))
        case let undecodable as UndecodableInput:
            logger.error("task discarded: \(undecodable)")
            return .discarded(error: attemptError(task, undecodable.description))
        case let retry as TaskRetry:
            return failed(task, retry.reason, retryPolicy: retryPolicy, delay: retry.delay, logger: logger)
        default:
            return failed(task, Self.message(of: error), retryPolicy: retryPolicy, logger: logger)
        }
    }

    private func failed(
        _ task: ClaimedTask,
        _ message: String,
        retryPolicy: RetryPolicy,
        delay: Duration? = nil,
        logger: Logger
    ) -> TaskCompletion.Outcome {
        let error = attemptError(task, message)
        guard task.attempt < task.maxAttempts else {
            logger.error("task failed on its last attempt; discarded", metadata: ["error": "\(message)"])
            return .discarded(error: error)
        }
        let wait = delay ?? retryPolicy.delay(afterAttempt: task.attempt)
        logger.warning("task failed; will retry", metadata: ["error": "\(message)", "retry_in": "\(wait)"])
        return .retry(at: Date().addingTimeInterval(wait.seconds), error: error)
    }

    private func attemptError(_ task: ClaimedTask, _ message: String) -> AttemptError {
        AttemptError(attempt: task.attempt, at: Date(), error: message, worker: workerID)
    }

    private func completion(_ task: ClaimedTask, _ outcome: TaskCompletion.Outcome) -> TaskCompletion {
        TaskCompletion(id: task.id, attempt: task.attempt, outcome: outcome)
    }

    static func message(of error: any Error) -> String {
        if error is CancellationError { return "cancelled" }
        if let error = error as? any LocalizedError, let description = error.errorDescription {
            return description
        }
        return String(describing: error)
    }
}
