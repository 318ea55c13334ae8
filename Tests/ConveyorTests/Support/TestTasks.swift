import Conveyor
import Foundation
import Synchronization

/// Counts how often each task ran, to check exactly-once and retries.
final class ExecutionLog: Sendable {
    private let counts = Mutex<[TaskID: Int]>([:])

    func record(_ id: TaskID) {
        counts.withLock { $0[id, default: 0] += 1 }
    }

    func count(_ id: TaskID) -> Int { counts.withLock { $0[id] ?? 0 } }
    var total: Int { counts.withLock { $0.values.reduce(0, +) } }
    var distinct: Int { counts.withLock { $0.count } }
    var duplicates: [TaskID: Int] { counts.withLock { $0.filter { $0.value > 1 } } }
}

/// A typed task whose handler does what its input says.
struct Scripted: TaskDefinition {
    static let name = "scripted"
    static let queue = "scripted"
    static let retryPolicy: RetryPolicy? = RetryPolicy(
        initial: .milliseconds(10), maximum: .milliseconds(50), jitter: 0)

    enum Action: String, Codable {
        case succeed, failUntilLastAttempt, failAlways, discard, snoozeOnce, sleep, echo
    }
    var action: Action
    var failuresBeforeSuccess: Int = 0
    var milliseconds: Int = 0
    var text: String = ""

    init(action: Action, failuresBeforeSuccess: Int = 0, milliseconds: Int = 0, text: String = "") {
        self.action = action
        self.failuresBeforeSuccess = failuresBeforeSuccess
        self.milliseconds = milliseconds
        self.text = text
    }

    /// Only `action` is required, so tests can enqueue it as raw JSON.
    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        action = try container.decode(Action.self, forKey: .action)
        failuresBeforeSuccess = try container.decodeIfPresent(Int.self, forKey: .failuresBeforeSuccess) ?? 0
        milliseconds = try container.decodeIfPresent(Int.self, forKey: .milliseconds) ?? 0
        text = try container.decodeIfPresent(String.self, forKey: .text) ?? ""
    }
}

struct Echo: Codable, Sendable, Equatable {
    var text: String
    var attempt: Int
}

struct ScriptedFailure: Error, CustomStringConvertible {
    var attempt: Int
    var description: String { "scripted failure on attempt \(attempt)" }
}

extension TaskRegistry {
    /// A registry with the scripted task, recording every execution in `log`.
    static func scripted(log: ExecutionLog) -> TaskRegistry {
        var registry = TaskRegistry()
        registry.register(Scripted.self) { task, context -> Echo in
            log.record(context.taskID)
            switch task.action {
            case .succeed:
                break
            case .failUntilLastAttempt:
                if context.attempt <= task.failuresBeforeSuccess { throw ScriptedFailure(attempt: context.attempt) }
            case .failAlways:
                throw ScriptedFailure(attempt: context.attempt)
            case .discard:
                throw TaskDiscard("input says no")
            case .snoozeOnce:
                if log.count(context.taskID) == 1 { throw TaskSnooze(for: .milliseconds(10)) }
            case .sleep:
                try await Task.sleep(for: .milliseconds(task.milliseconds))
            case .echo:
                break
            }
            return Echo(text: task.text, attempt: context.attempt)
        }
        return registry
    }
}

extension WorkerConfiguration {
    /// Fast timings for tests: short poll, short lease, quick maintenance.
    static func fast(
        queues: [QueueConfiguration] = [QueueConfiguration(Scripted.queue, concurrency: 10)],
        lease: Duration = .seconds(10),
        listen: Bool = true,
        shutdownDeadline: Duration = .seconds(10)
    ) -> WorkerConfiguration {
        WorkerConfiguration(
            queues: queues,
            leaseDuration: lease,
            pollInterval: .milliseconds(200),
            listen: listen,
            shutdownDeadline: shutdownDeadline,
            maintenance: MaintenanceConfiguration(
                leaderTTL: .seconds(3),
                rescueInterval: .milliseconds(200),
                rescueRetryPolicy: RetryPolicy(initial: .milliseconds(10), maximum: .milliseconds(50), jitter: 0),
                promoteInterval: .milliseconds(50)
            )
        )
    }
}

/// Whether two JSON texts hold the same value (databases may normalise spacing).
func sameJSON(_ lhs: String?, _ rhs: String) -> Bool {
    guard let lhs,
        let left = try? JSONSerialization.jsonObject(with: Data(lhs.utf8), options: .fragmentsAllowed) as? NSObject,
        let right = try? JSONSerialization.jsonObject(with: Data(rhs.utf8), options: .fragmentsAllowed) as? NSObject
    else { return false }
    return left.isEqual(right)
}
