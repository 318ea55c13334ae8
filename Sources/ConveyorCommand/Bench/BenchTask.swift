import Conveyor
import Foundation
import Synchronization

/// The task every bench workload enqueues: a no-op of its own kind, in a queue of its own.
///
/// For the latency workload its input carries the wall-clock time taken just before the enqueue
/// call, and the worker records how long after that the handler started.
enum BenchTask {
    static let kind = "bench.noop"
    static let queue = "bench"
    /// The kind of the rows seeded for the scale workload, so they never count as drained tasks.
    static let seedKind = "bench.seed"

    /// A no-op task; with `enqueuedAt`, one that carries its enqueue time.
    static func make(enqueuedAt: Date? = nil) -> NewTask {
        let input = enqueuedAt.map { #"{"enqueued_at":\#($0.timeIntervalSince1970)}"# } ?? "{}"
        return NewTask(kind: kind, input: input, queue: queue, maxAttempts: 3)
    }

    /// The enqueue time carried in a task's input, in seconds since 1970.
    static func enqueuedAt(in input: String) -> Double? {
        guard let colon = input.firstIndex(of: ":") else { return nil }
        let number = input[input.index(after: colon)...].prefix { $0 != "}" && $0 != "," }
        return Double(number.trimmingCharacters(in: .whitespaces))
    }

    /// The handlers of a bench worker: the no-op, which with a recorder notes its start delay.
    static func registry(recorder: LatencyRecorder?) -> TaskRegistry {
        var registry = TaskRegistry()
        if let recorder {
            registry.register(kind: kind) { input, _ in
                let started = Date().timeIntervalSince1970
                if let enqueuedAt = enqueuedAt(in: input) {
                    recorder.record(seconds: started - enqueuedAt)
                }
                return nil
            }
        } else {
            registry.register(kind: kind) { _, _ in nil }
        }
        return registry
    }
}

/// Enqueue-to-start delays seen by one worker process.
final class LatencyRecorder: Sendable {
    private let samples = Mutex<[Double]>([])

    func record(seconds: Double) {
        samples.withLock { $0.append(seconds) }
    }

    /// Every delay, in microseconds, in the order they were seen.
    var microseconds: [Int] {
        samples.withLock { $0.map { Int(($0 * 1_000_000).rounded()) } }
    }
}
