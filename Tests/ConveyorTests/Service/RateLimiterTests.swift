import Testing

@testable import ConveyorService

@Suite("Rate limiter", .boundedParallelism, .timeLimit(.minutes(10)))
struct RateLimiterTests {
    @Test("a bucket allows its burst, then one per 1/rate seconds, per key")
    func tokenBucket() {
        let limiter = RateLimiter(ratePerSecond: 50, burst: 3)
        let start = ContinuousClock.now
        for _ in 0..<3 { #expect(limiter.take(1, now: start) == nil) }
        #expect(Self.milliseconds(limiter.take(1, now: start)) == 20)
        // Another key has its own bucket.
        #expect(limiter.take(2, now: start) == nil)
        // Half the wait refills half a unit: still refused, with the rest to wait.
        #expect(Self.milliseconds(limiter.take(1, now: start + .milliseconds(10))) == 10)
        #expect(limiter.take(1, now: start + .milliseconds(21)) == nil)
        // A long pause refills to the burst, never beyond.
        let later = start + .seconds(60)
        for _ in 0..<3 { #expect(limiter.take(1, now: later) == nil) }
        #expect(limiter.take(1, now: later) != nil)
    }

    /// A wait rounded to whole milliseconds, so float rounding in the arithmetic does not matter.
    static func milliseconds(_ duration: Duration?) -> Int? {
        guard let duration else { return nil }
        let (seconds, attoseconds) = duration.components
        return Int((Double(seconds) * 1000 + Double(attoseconds) / 1e15).rounded())
    }
}
