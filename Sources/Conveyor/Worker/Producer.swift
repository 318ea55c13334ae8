package import Logging
import Metrics
import Synchronization

/// Claims tasks of one queue up to its free slots and runs each in a child task.
///
/// Events (a task finished, a wake-up, stop) are collected in a mailbox and applied all at once
/// before each decision, so the claim after a burst of short tasks asks for every slot they
/// freed, in one statement.
package final class Producer: Sendable {
    /// Events that arrived since the producer last looked.
    private struct Mailbox {
        var finished = 0
        var wake = false
        var stop = false
    }

    let queue: QueueConfiguration
    private let driver: any QueueDriver
    private let executor: TaskExecutor
    private let completer: Completer
    private let running: RunningTasks
    private let workerID: String
    private let leaseDuration: Duration
    private let pollInterval: Duration
    /// How long a small claim waits for more slots to free while other tasks run.
    private let batchingDelay: Duration
    private let logger: Logger
    private let mailbox = Mutex(Mailbox())
    private let signal = WakeSignal()
    private let claimedCounter: Counter
    /// Set by `stop()` and never cleared, so a claim in flight when shutdown begins is not acted
    /// on: the mailbox's stop is only seen after that claim's tasks would have started.
    private let stopped = Mutex(false)

    package init(
        queue: QueueConfiguration, driver: any QueueDriver, executor: TaskExecutor, completer: Completer,
        running: RunningTasks, workerID: String, leaseDuration: Duration, pollInterval: Duration,
        batchingDelay: Duration = .milliseconds(5), logger: Logger
    ) {
        self.queue = queue
        self.driver = driver
        self.executor = executor
        self.completer = completer
        self.running = running
        self.workerID = workerID
        self.leaseDuration = leaseDuration
        self.pollInterval = pollInterval
        self.batchingDelay = batchingDelay
        var logger = logger
        logger[metadataKey: "queue"] = "\(queue.name)"
        self.logger = logger
        self.claimedCounter = Counter(label: "conveyor_tasks_claimed_total", dimensions: [("queue", queue.name)])
    }

    /// New work may be waiting: claim at the next chance.
    package func wake() {
        mailbox.withLock { $0.wake = true }
        signal.fire()
    }

    /// Stop claiming; `run()` returns once running tasks are done.
    package func stop() {
        stopped.withLock { $0 = true }
        mailbox.withLock { $0.stop = true }
        signal.fire()
    }

    private var isStopped: Bool { stopped.withLock { $0 } }

    private func finished() {
        mailbox.withLock { $0.finished += 1 }
        signal.fire()
    }

    /// Applies every event that arrived since the last look.
    private func applyMailbox(to state: inout ProducerState) {
        let mail = mailbox.withLock { mailbox -> Mailbox in
            defer { mailbox = Mailbox() }
            return mailbox
        }
        for _ in 0..<mail.finished { state.handle(.finished) }
        if mail.wake { state.handle(.wake) }
        if mail.stop { state.handle(.stop) }
    }

    package func run() async {
        var state = ProducerState(capacity: queue.concurrency)
        var signals = signal.stream.makeAsyncIterator()
        var batchingDeadline: ContinuousClock.Instant?
        await withDiscardingTaskGroup { group in
            group.addTask { await self.pollLoop() }
            while true {
                applyMailbox(to: &state)
                if state.isDone { break }
                if let limit = state.claimLimit {
                    if state.claimWouldBeSmall {
                        let now = ContinuousClock.now
                        let deadline = batchingDeadline ?? now.advanced(by: batchingDelay)
                        if batchingDeadline == nil {
                            batchingDeadline = deadline
                            group.addTask { [signal] in
                                try? await Task.sleep(until: deadline, clock: .continuous)
                                signal.fire()
                            }
                        }
                        if now < deadline {
                            guard await signals.next() != nil else { break }
                            continue
                        }
                    }
                    batchingDeadline = nil
                    do {
                        let tasks = try await driver.taskClaim(
                            .init(queue: queue.name, limit: limit, workerID: workerID, leaseDuration: leaseDuration)
                        )
                        if isStopped {
                            // Shutdown began while this claim was in flight: hand its tasks
                            // straight back instead of starting them.
                            state.claimed(0, requested: limit)
                            state.handle(.stop)
                            release(tasks)
                            continue
                        }
                        state.claimed(tasks.count, requested: limit)
                        if !tasks.isEmpty { claimedCounter.increment(by: tasks.count) }
                        for task in tasks {
                            running.insert(task.id, attempt: task.attempt)
                            group.addTask {
                                let completion = await self.executor.execute(task, queue: self.queue)
                                self.completer.submit(completion)
                                self.finished()
                            }
                        }
                        continue
                    } catch {
                        state.claimFailed()
                        if Task.isCancelled { break }
                        logger.error("claiming tasks failed", metadata: ["error": "\(String(reflecting: error))"])
                    }
                }
                guard await signals.next() != nil else { break }
            }
            group.cancelAll()
        }
    }

    /// Gives claimed tasks back unstarted; the attempt does not count against them.
    private func release(_ tasks: [ClaimedTask]) {
        guard !tasks.isEmpty else { return }
        logger.info("releasing tasks claimed as shutdown began", metadata: ["count": "\(tasks.count)"])
        for task in tasks {
            running.insert(task.id, attempt: task.attempt)
            completer.submit(TaskCompletion(id: task.id, attempt: task.attempt, outcome: .released))
        }
    }

    /// Wakes the producer now and then, so work is found even when a notification is lost.
    private func pollLoop() async {
        while !Task.isCancelled {
            let jitter = Double.random(in: 0.8...1.2)
            do {
                try await Task.sleep(for: pollInterval * jitter)
            } catch {
                return
            }
            wake()
        }
    }
}
