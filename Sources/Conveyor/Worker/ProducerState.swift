/// The claim decisions of one queue's producer, as a value with no I/O, so they can be tested alone.
///
/// The producer claims up to its free slots when the queue may hold more work: after a wake-up
/// (a notification or a poll tick) or after a claim that came back full. A claim that came back
/// short means the queue is drained, so the producer waits for the next wake-up.
///
/// Claims are batched: while other tasks still run, a claim that would fill fewer than half the
/// slots waits (up to the producer's batching delay) for more slots to free, so that short tasks
/// are claimed many per statement instead of one per statement. Not under flow control
/// (``limited``), where a place a limit frees should be taken at once, unless tasks are tiny.
package struct ProducerState: Sendable, Hashable {
    package enum Event: Sendable, Hashable {
        /// New work may be available (notification, poll tick).
        case wake
        /// A running task finished and freed its slot.
        case finished
        /// Stop claiming; run what is running to its end.
        case stop
    }

    package let capacity: Int
    /// A claim smaller than this waits for more slots while other tasks run.
    package let batchThreshold: Int
    package private(set) var running = 0
    package private(set) var mayHaveWork = true
    package private(set) var stopping = false
    /// The queue is under flow control and its tasks are not tiny: claims are never held back to
    /// batch, since capacity under a limit frees a few places at a time and idle places would go
    /// unused.
    package var limited = false
    /// The last claim came back short because a limit held waiting tasks back.
    package private(set) var heldBack = false

    package init(capacity: Int) {
        precondition(capacity > 0, "a producer needs a capacity of at least 1")
        self.capacity = capacity
        self.batchThreshold = max(1, capacity / 2)
    }

    /// How many tasks to claim now, or nil when the producer should wait for an event.
    package var claimLimit: Int? {
        guard !stopping, mayHaveWork, running < capacity else { return nil }
        return capacity - running
    }

    /// Whether the claim of ``claimLimit`` is small enough, with other tasks still running, that it
    /// should wait a little for more slots to free.
    package var claimWouldBeSmall: Bool {
        guard let limit = claimLimit, !limited else { return false }
        return running > 0 && limit < batchThreshold
    }

    /// Records a claim's answer; `heldBack` says a limit, not a lack of work, made it short.
    package mutating func claimed(_ count: Int, requested: Int, heldBack: Bool = false) {
        running += count
        mayHaveWork = count == requested
        self.heldBack = heldBack
    }

    /// Records a failed claim: try again after the next wake-up or poll.
    package mutating func claimFailed() {
        mayHaveWork = false
    }

    package mutating func handle(_ event: Event) {
        switch event {
        case .wake: mayHaveWork = true
        case .finished:
            running -= 1
            // A limit held tasks back and one of ours just gave its place back: try again.
            if heldBack { mayHaveWork = true }
        case .stop: stopping = true
        }
    }

    /// Stopping with nothing left running: the producer can return.
    package var isDone: Bool { stopping && running == 0 }
}
