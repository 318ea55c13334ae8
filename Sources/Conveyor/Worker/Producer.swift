import Foundation
package import Logging
import Metrics
import Synchronization

/// Claims tasks of one queue up to its free slots and runs each in a child task.
///
/// Events (a task finished, a wake-up, stop) are collected in a mailbox and applied all at once
/// before each decision, so the claim after a burst of short tasks asks for every slot they
/// freed, in one statement.
///
/// **Flow control.** The producer re-reads its queue's settings every
/// ``WorkerConfiguration/flowRefreshInterval`` (``QueueFlow``). A queue with no limit, no fair
/// share and no task that uses a resource is claimed on the fast path (one statement); any
/// other through ``QueueDriver/taskClaimLimited(_:)``. When a limit holds tasks back, the
/// producer looks again as soon as one of this worker's handlers returns (the claim does not
/// count tasks whose handler returned, though their outcome may not be written yet), when a rate
/// window reopens, and every ``WorkerConfiguration/flowPollInterval`` for places freed elsewhere.
/// While tasks are short, a running task also reserves its follower, which starts the moment the
/// handler returns (``runSlot(_:queue:)``).
package final class Producer: Sendable {
    /// The queue's settings as last read, and which claim they call for.
    private struct Plan {
        var flow = QueueFlow(settings: nil, usesResources: false)
        var readAt: ContinuousClock.Instant?
    }

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
    private let plan = Mutex(Plan())
    /// The last limited claim left tasks waiting because of a limit.
    private let heldBack = Mutex(false)
    /// The last limited claim held tasks back or filled a limit: places pass from task to task.
    private let atLimit = Mutex(false)
    /// Called when a handler of this producer returns, so the worker can tell its other producers.
    private let onHandlerReturned: (@Sendable () -> Void)?
    private let flowPollInterval: Duration
    private let flowRefreshInterval: Duration
    /// Hand places over to reserved followers while tasks run shorter than this on average; nil never.
    private let handOverBelow: Duration?
    /// Moving average of handler run times, in seconds.
    private let averageDuration = Mutex<Double?>(nil)

    package init(
        queue: QueueConfiguration, driver: any QueueDriver, executor: TaskExecutor, completer: Completer,
        running: RunningTasks, workerID: String, leaseDuration: Duration, pollInterval: Duration,
        batchingDelay: Duration = .milliseconds(5), logger: Logger,
        flowPollInterval: Duration = .milliseconds(100), flowRefreshInterval: Duration = .seconds(1),
        handOverBelow: Duration? = .seconds(1), onHandlerReturned: (@Sendable () -> Void)? = nil
    ) {
        self.onHandlerReturned = onHandlerReturned
        self.handOverBelow = handOverBelow
        self.flowPollInterval = flowPollInterval
        self.flowRefreshInterval = flowRefreshInterval
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

    /// A handler of this worker returned: if a limit held this queue back, the place it gave back
    /// (its own queue's, or a resource's it shares) may now be claimed.
    package func capacityFreed() {
        if heldBack.withLock({ $0 }) { wake() }
    }

    /// Re-reads the queue's settings when they are older than `maxAge`; returns whether the
    /// claim path changed. A failed read keeps the last plan (logged).
    @discardableResult
    private func refreshPlan(olderThan maxAge: Duration) async -> Bool {
        let now = ContinuousClock.now
        let last = plan.withLock { $0 }
        if let readAt = last.readAt, readAt.advanced(by: maxAge) > now { return false }
        do {
            let flow = try await driver.queueFlowGet(queue.name)
            plan.withLock { $0 = Plan(flow: flow, readAt: now) }
            if flow.isLimited != last.flow.isLimited {
                logger.debug("queue claim path changed", metadata: ["limited": "\(flow.isLimited)"])
            }
            return flow.isLimited != last.flow.isLimited
        } catch {
            if Task.isCancelled { return false }
            logger.error("reading the queue's settings failed", metadata: ["error": "\(String(reflecting: error))"])
            plan.withLock { $0.readAt = now }
            return false
        }
    }

    /// The queue configuration a task runs under: the database's timeout when set.
    private func effectiveQueue(_ settings: QueueSettings?) -> QueueConfiguration {
        guard let timeout = settings?.timeout else { return queue }
        var effective = queue
        effective.timeout = timeout
        return effective
    }

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
        var flowWakeAt: ContinuousClock.Instant?
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
                    await refreshPlan(olderThan: flowRefreshInterval)
                    let current = plan.withLock { $0.flow }
                    // Under flow control a freed place is claimed at once, unless tasks are so
                    // short (under a millisecond) that claiming many at a time is what counts.
                    state.limited = current.isLimited && averageDuration.withLock { ($0 ?? 1) >= 0.001 }
                    do {
                        var params = TaskClaimParams(
                            queue: queue.name, limit: limit, workerID: workerID, leaseDuration: leaseDuration)
                        var tasks: [ClaimedTask]
                        var lookAgain = false
                        var heldBack = false
                        if current.isLimited {
                            params.handlersReturned = running.handlersReturned
                            let result = try await driver.taskClaimLimited(params)
                            tasks = result.tasks
                            heldBack = result.heldBack
                            self.heldBack.withLock { $0 = result.heldBack }
                            self.atLimit.withLock { $0 = result.heldBack || result.atLimit }
                            if result.heldBack && !isStopped {
                                // Places may free elsewhere: look again soon, or when the rate window reopens.
                                let now = ContinuousClock.now
                                var deadline = now.advanced(by: flowPollInterval * Double.random(in: 0.8...1.2))
                                if let retryAt = result.retryAt {
                                    let opens = now.advanced(by: .seconds(max(0, retryAt.timeIntervalSinceNow)))
                                    deadline = min(deadline, opens)
                                }
                                if flowWakeAt.map({ $0 <= now || $0 > deadline }) ?? true {
                                    flowWakeAt = deadline
                                    group.addTask {
                                        try? await Task.sleep(until: deadline, clock: .continuous)
                                        self.wake()
                                    }
                                }
                            }
                        } else {
                            tasks = try await driver.taskClaim(params)
                            // A short claim may mean the queue came under flow control (the fast
                            // claim takes nothing then): check its settings sooner than usual.
                            if tasks.count < limit {
                                lookAgain = await refreshPlan(olderThan: flowRefreshInterval / 4)
                            }
                        }
                        if isStopped {
                            // Shutdown began while this claim was in flight: hand its tasks
                            // straight back instead of starting them.
                            state.claimed(0, requested: limit)
                            state.handle(.stop)
                            release(tasks)
                            continue
                        }
                        state.claimed(tasks.count, requested: limit, heldBack: heldBack)
                        if lookAgain { state.handle(.wake) }
                        if !tasks.isEmpty { claimedCounter.increment(by: tasks.count) }
                        let settings = current.settings
                        let runAs = effectiveQueue(settings)
                        for var task in tasks {
                            running.insert(task.id, attempt: task.attempt)
                            if let cap = settings?.maxAttempts { task.maxAttempts = min(task.maxAttempts, cap) }
                            group.addTask { await self.runSlot(task, queue: runAs) }
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

    /// Runs a claimed task in its slot. Under flow control, while the queue's tasks are short
    /// (``WorkerConfiguration/flowHandOverBelow``), it keeps a chain of up to
    /// ``handOverDepth`` reserved followers (each follows the one before), topped up in a child
    /// task while tasks run, and starts the next the moment a handler returns: the place passes
    /// on with no claim in between (see ``QueueDriver/taskClaimLimited(_:)``), even when a claim
    /// takes longer than a task. The slot is freed when the chain ends.
    private func runSlot(_ first: ClaimedTask, queue firstQueue: QueueConfiguration) async {
        let arrivals = FollowerArrivals()
        await withTaskGroup(of: Void.self) { group in
            var task = first
            var runAs = firstQueue
            var reserved: [ClaimedTask] = []
            // Whether a top-up child exists (it may have finished; reaped before the next).
            var toppingUp = false
            func collect() { reserved += arrivals.take() }
            while true {
                if toppingUp, !arrivals.reserving {
                    await group.next()
                    toppingUp = false
                }
                collect()
                if !toppingUp, reserved.count < Self.handOverDepth, mayHandOver {
                    let tail = reserved.last ?? task
                    let count = Self.handOverDepth - reserved.count
                    arrivals.startReserving()
                    toppingUp = true
                    group.addTask {
                        await self.reserveFollowers(
                            after: TaskAttempt(id: tail.id, attempt: tail.attempt), count: count, into: arrivals)
                    }
                }
                let started = ContinuousClock.now
                let completion = await executor.execute(task, queue: runAs)
                noteDuration(started.duration(to: .now))
                completer.submit(completion)
                collect()
                if reserved.isEmpty && toppingUp {
                    // None reserved yet, but a reservation is on its way: it may bring the next.
                    await group.next()
                    toppingUp = false
                    collect()
                }
                guard !reserved.isEmpty else { break }
                let settings = plan.withLock { $0.flow.settings }
                if isStopped || settings?.paused == true {
                    if toppingUp {
                        await group.next()
                        toppingUp = false
                        collect()
                    }
                    for follower in reserved {
                        completer.submit(TaskCompletion(id: follower.id, attempt: follower.attempt, outcome: .released))
                    }
                    break
                }
                var next = reserved.removeFirst()
                runAs = effectiveQueue(settings)
                if let cap = settings?.maxAttempts { next.maxAttempts = min(next.maxAttempts, cap) }
                claimedCounter.increment()
                task = next
            }
        }
        finished()
        onHandlerReturned?()
    }

    /// How many followers a slot keeps reserved: three, so that a place passes on at once even
    /// when a claim takes up to three times as long as a task (a loaded machine: with two, 20 ms
    /// tasks on PostgreSQL under a load of 8 still waited for their reservations often enough to
    /// leave a fifth of a limit idle), at the cost of at most three tasks waiting on a slot.
    static let handOverDepth = 3

    /// Whether a running task should reserve its follower: under flow control without a queue
    /// rate limit, while a limit is full (otherwise a claim of every free slot at once costs
    /// less), not stopping, and while tasks run short on average (a follower waits for the whole
    /// of its leader's run, and so would a more urgent task that arrives meanwhile) yet not
    /// shorter than a millisecond (below that, claims of many tasks at once cost less than one
    /// claim per task).
    private var mayHandOver: Bool {
        guard !isStopped, atLimit.withLock({ $0 }), let threshold = handOverBelow else { return false }
        let flow = plan.withLock { $0.flow }
        guard flow.isLimited, flow.settings?.rateLimit == nil, flow.settings?.paused != true else { return false }
        guard let duration = averageDuration.withLock({ $0 }) else { return false }
        return duration < threshold.seconds && duration >= 0.001
    }

    /// Folds a handler's run time into the moving average that decides on hand-overs.
    private func noteDuration(_ duration: Duration) {
        averageDuration.withLock { average in
            average = average.map { $0 * 0.8 + duration.seconds * 0.2 } ?? duration.seconds
        }
    }

    /// Reserves up to `count` followers, each following the one before, starting with one for
    /// `leader`, and hands each to `arrivals` as it comes; fewer when none may (or on a failure,
    /// logged: the slot then frees the usual way).
    private func reserveFollowers(after leader: TaskAttempt, count: Int, into arrivals: FollowerArrivals) async {
        var leader = leader
        for _ in 0..<count {
            // Marked before the claim: a claim of this worker that begins from now on counts the
            // leader as holding its place even once its handler returns (see RunningTasks).
            guard running.beginHandOver(leader.id, attempt: leader.attempt) else { break }
            var params = TaskClaimParams(
                queue: queue.name, limit: 1, workerID: workerID, leaseDuration: leaseDuration)
            params.follows = leader
            params.handlersReturned = running.handlersReturned
            do {
                guard let follower = try await driver.taskClaimLimited(params).tasks.first else {
                    running.endHandOver(leader.id, attempt: leader.attempt)
                    break
                }
                running.insert(follower.id, attempt: follower.attempt)
                arrivals.add(follower)
                leader = TaskAttempt(id: follower.id, attempt: follower.attempt)
            } catch {
                running.endHandOver(leader.id, attempt: leader.attempt)
                if !Task.isCancelled {
                    logger.error("reserving a follower failed", metadata: ["error": "\(String(reflecting: error))"])
                }
                break
            }
        }
        arrivals.doneReserving()
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

/// Followers reserved for a slot by its top-up child, waiting to be collected by the slot.
private final class FollowerArrivals: Sendable {
    private struct State {
        var arrived: [ClaimedTask] = []
        var reserving = false
    }

    private let state = Mutex(State())

    /// The top-up child is still reserving.
    var reserving: Bool { state.withLock { $0.reserving } }

    func startReserving() { state.withLock { $0.reserving = true } }

    func doneReserving() { state.withLock { $0.reserving = false } }

    func add(_ follower: ClaimedTask) { state.withLock { $0.arrived.append(follower) } }

    /// The followers that arrived since the last call.
    func take() -> [ClaimedTask] {
        state.withLock { state in
            defer { state.arrived = [] }
            return state.arrived
        }
    }
}
