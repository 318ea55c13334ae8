import Conveyor
import Testing

@Suite("Producer state machine", .timeLimit(.minutes(3)))
struct ProducerStateTests {
    @Test("claims its free slots while the queue may hold work")
    func claimsFreeSlots() {
        var state = ProducerState(capacity: 10)
        #expect(state.claimLimit == 10)
        state.claimed(10, requested: 10)
        #expect(state.claimLimit == nil)  // full
        state.handle(.finished)
        state.handle(.finished)
        #expect(state.claimLimit == 2)  // last claim came back full: there may be more
    }

    @Test("a short claim means the queue is drained: wait for a wake-up")
    func shortClaimWaits() {
        var state = ProducerState(capacity: 10)
        state.claimed(3, requested: 10)
        #expect(state.claimLimit == nil)
        state.handle(.finished)
        #expect(state.claimLimit == nil)
        state.handle(.wake)
        #expect(state.claimLimit == 8)
    }

    @Test("a failed claim waits for the next wake-up or poll")
    func failedClaim() {
        var state = ProducerState(capacity: 2)
        state.claimFailed()
        #expect(state.claimLimit == nil)
        state.handle(.wake)
        #expect(state.claimLimit == 2)
    }

    @Test("stopping claims nothing more and is done when nothing runs")
    func stopping() {
        var state = ProducerState(capacity: 4)
        state.claimed(2, requested: 4)
        state.handle(.stop)
        state.handle(.wake)
        #expect(state.claimLimit == nil)
        #expect(!state.isDone)
        state.handle(.finished)
        state.handle(.finished)
        #expect(state.isDone)
    }
}

@Suite("Retry policy", .timeLimit(.minutes(3)))
struct RetryPolicyTests {
    @Test("backoff grows exponentially up to its cap")
    func exponential() {
        let policy = RetryPolicy(initial: .seconds(1), multiplier: 2, maximum: .seconds(10), jitter: 0)
        #expect(policy.delay(afterAttempt: 1) == .seconds(1))
        #expect(policy.delay(afterAttempt: 2) == .seconds(2))
        #expect(policy.delay(afterAttempt: 4) == .seconds(8))
        #expect(policy.delay(afterAttempt: 5) == .seconds(10))
        #expect(policy.delay(afterAttempt: 60) == .seconds(10))
    }

    @Test("jitter stretches the delay by at most its fraction")
    func jitter() {
        let policy = RetryPolicy(initial: .seconds(4), jitter: 0.5)
        #expect(policy.delay(afterAttempt: 1, random: 0) == .seconds(4))
        #expect(policy.delay(afterAttempt: 1, random: 1) == .seconds(6))
    }
}

@Suite("Job state", .timeLimit(.minutes(3)))
struct JobStateTests {
    @Test(
        "follows its tasks",
        arguments: [
            ([TaskState.available, .available], JobState.queued),
            ([.running, .available], .running),
            ([.completed, .available], .running),
            ([.completed, .completed], .completed),
            ([.discarded, .completed], .failed),
            ([.discarded, .running], .running),
            ([.cancelled, .cancelled], .cancelled),
            ([.blocked, .retryable], .queued),
        ])
    func derive(states: [TaskState], expected: JobState) {
        #expect(JobState.derive(from: states) == expected)
    }
}
