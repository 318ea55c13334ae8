public import Logging
public import ServiceLifecycle
import Synchronization

/// Wakes the readers of job feeds (``ConveyorClient/jobEvents(_:after:notifier:)``) when their job
/// has new events: one database listener per process, however many readers.
///
/// Run it in the service group of a process that serves many feeds (the HTTP service does). A
/// reader also looks again each `pollInterval` (default 1 s) without a notification, so a feed
/// keeps moving when one is lost, when the database cannot notify (SQLite across processes), or
/// when the notifier is not running.
public final class JobEventNotifier: Service, Sendable {
    private struct Waiter {
        var job: JobID
        var continuation: CheckedContinuation<Void, Never>
    }

    private struct State {
        var generation = 0
        /// The last signals, newest last: `nil` wakes every job.
        var recent: [(generation: Int, job: JobID?)] = []
        var waiters: [Int: Waiter] = [:]
        var nextWaiter = 0
    }

    private static let recentLimit = 1024
    private let client: ConveyorClient
    /// How long a reader waits for a notification before it looks again anyway.
    public let pollInterval: Duration
    private let logger: Logger
    private let state = Mutex(State())

    public init(client: ConveyorClient, pollInterval: Duration = .seconds(1), logger: Logger) {
        self.client = client
        self.pollInterval = pollInterval
        self.logger = logger
    }

    /// Listens until graceful shutdown or cancellation; a lost database connection is retried.
    public func run() async throws {
        await cancelWhenGracefulShutdown { await self.listen() }
        signal(nil)
    }

    private func listen() async {
        while !Task.isCancelled {
            do {
                try await client.driver.listenForJobEvents { signal in
                    switch signal {
                    case .listening: self.signal(nil)
                    case .changed(let job): self.signal(job)
                    }
                }
                // The database cannot notify: readers poll.
                try await Task.sleep(for: .seconds(365 * 86_400))
            } catch is CancellationError {
                return
            } catch {
                logger.warning("job event listener failed; retrying", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: pollInterval)
            }
        }
    }

    /// A counter to pass to ``wait(for:since:)``, read before looking for new events.
    package var generation: Int { state.withLock { $0.generation } }

    /// Returns once the job may have new events since `generation` (at once if a signal came in
    /// between), or when the calling task is cancelled.
    package func wait(for job: JobID, since generation: Int) async {
        let id = state.withLock { state in
            defer { state.nextWaiter += 1 }
            return state.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let resumeNow = state.withLock { state -> Bool in
                    // Signals dropped from `recent` may have been for this job: look again.
                    let missed = state.recent.first.map { $0.generation > generation + 1 } ?? false
                    let signalled = state.recent.contains { $0.generation > generation && ($0.job ?? job) == job }
                    if Task.isCancelled || missed || signalled { return true }
                    state.waiters[id] = Waiter(job: job, continuation: continuation)
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: id) }?.continuation.resume()
        }
    }

    private func signal(_ job: JobID?) {
        let woken = state.withLock { state -> [Waiter] in
            state.generation += 1
            state.recent.append((state.generation, job))
            if state.recent.count > Self.recentLimit { state.recent.removeFirst(state.recent.count / 2) }
            let matching = state.waiters.filter { job == nil || $0.value.job == job }
            for key in matching.keys { state.waiters.removeValue(forKey: key) }
            return Array(matching.values)
        }
        for waiter in woken { waiter.continuation.resume() }
    }
}
