import Conveyor
import Testing

@Suite("Retry policy", .boundedParallelism, .timeLimit(.minutes(10)))
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
