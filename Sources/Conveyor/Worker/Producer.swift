package import Logging
import Metrics
import Synchronization

/// Claims tasks of one queue up to its free slots and runs each in a child task.
package final class Producer: Sendable {
    let queue: QueueConfiguration
    private let driver: any QueueDriver
    private let executor: TaskExecutor
    private let completer: Completer
    private let running: RunningTasks
    private let workerID: String
    private let leaseDuration: Duration
    private let pollInterval: Duration
    private let logger: Logger
    private let events: AsyncStream<ProducerState.Event>
    private let continuation: AsyncStream<ProducerState.Event>.Continuation
    private let claimedCounter: Counter
    /// Set by `stop()` at once, so a claim in flight when shutdown begins is not acted on; the
    /// `.stop` event alone would only be seen after that claim's tasks had started.
    private let stopped = Mutex(false)

    package init(
        queue: QueueConfiguration, driver: any QueueDriver, executor: TaskExecutor, completer: Completer,
        running: RunningTasks, workerID: String, leaseDuration: Duration, pollInterval: Duration,
        logger: Logger
    ) {
        self.queue = queue
        self.driver = driver
        self.executor = executor
        self.completer = completer
        self.running = running
        self.workerID = workerID
        self.leaseDuration = leaseDuration
        self.pollInterval = pollInterval
        var logger = logger
        logger[metadataKey: "queue"] = "\(queue.name)"
        self.logger = logger
        (events, continuation) = AsyncStream.makeStream(of: ProducerState.Event.self)
        self.claimedCounter = Counter(label: "conveyor_tasks_claimed_total", dimensions: [("queue", queue.name)])
    }

    /// New work may be waiting: claim at the next chance.
    package func wake() { continuation.yield(.wake) }

    /// Stop claiming; `run()` returns once running tasks are done.
    package func stop() {
        stopped.withLock { $0 = true }
        continuation.yield(.stop)
    }

    private var isStopped: Bool { stopped.withLock { $0 } }

    package func run() async {
        var state = ProducerState(capacity: queue.concurrency)
        var iterator = events.makeAsyncIterator()
        await withDiscardingTaskGroup { group in
            group.addTask { await self.pollLoop() }
            while !state.isDone {
                if isStopped { state.handle(.stop) }
                if let limit = state.claimLimit {
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
                                self.continuation.yield(.finished)
                            }
                        }
                        continue
                    } catch {
                        state.claimFailed()
                        if Task.isCancelled { break }
                        logger.error("claiming tasks failed", metadata: ["error": "\(String(reflecting: error))"])
                    }
                }
                guard let event = await iterator.next() else { break }
                state.handle(event)
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
            continuation.yield(.wake)
        }
    }
}
