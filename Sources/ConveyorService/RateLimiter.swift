import Foundation
import Synchronization

/// A token bucket per key (a token id): `burst` at once, refilled at `ratePerSecond`.
///
/// In memory, per process: with several replicas each allows the rate. Time is injected so the
/// arithmetic is tested without waiting.
final class RateLimiter: Sendable {
    struct Bucket {
        var tokens: Double
        var updated: ContinuousClock.Instant
    }

    let ratePerSecond: Double
    let burst: Double
    private let buckets = Mutex<[Int64: Bucket]>([:])

    init(ratePerSecond: Double, burst: Int) {
        self.ratePerSecond = max(ratePerSecond, 0.001)
        self.burst = Double(max(burst, 1))
    }

    /// Takes one unit for `key`: nil when allowed, else how long until one is available.
    func take(_ key: Int64, now: ContinuousClock.Instant = .now) -> Duration? {
        buckets.withLock { buckets in
            var bucket = buckets[key] ?? Bucket(tokens: burst, updated: now)
            let elapsed = now - bucket.updated
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            bucket.tokens = min(burst, bucket.tokens + max(seconds, 0) * ratePerSecond)
            bucket.updated = now
            defer {
                buckets[key] = bucket
                if buckets.count > 100_000 { buckets = buckets.filter { $0.value.tokens < burst } }
            }
            if bucket.tokens >= 1 {
                bucket.tokens -= 1
                return nil
            }
            return .seconds((1 - bucket.tokens) / ratePerSecond)
        }
    }
}
