import Conveyor
import Foundation
import Synchronization

/// Records, in order, when each named step started and ended, to check dependency ordering.
final class StepLog: Sendable {
    enum Event: Hashable, Sendable {
        case start(String)
        case end(String)
        case cancelled(String)
    }

    private let events = Mutex<[Event]>([])

    func record(_ event: Event) { events.withLock { $0.append(event) } }

    var all: [Event] { events.withLock { $0 } }

    /// Position of an event; fails the lookup with a clear value when it never happened.
    func index(_ event: Event) -> Int { all.firstIndex(of: event) ?? Int.max }

    func starts(_ name: String) -> Int { all.count(where: { $0 == .start(name) }) }

    func contains(_ event: Event) -> Bool { all.contains(event) }

    /// Whether `dependent` started only after every one of `dependencies` ended.
    func startedAfter(_ dependent: String, _ dependencies: [String]) -> Bool {
        let start = index(.start(dependent))
        return start != Int.max && dependencies.allSatisfy { index(.end($0)) < start }
    }
}

/// A step of a test job: records itself, then does what its input says.
struct Step: TaskDefinition {
    static let name = "step"
    static let queue = "steps"
    static let retryPolicy: RetryPolicy? = RetryPolicy(
        initial: .milliseconds(10), maximum: .milliseconds(20), jitter: 0)

    enum Action: String, Codable, Sendable {
        case succeed, discard, failAlways, wait
    }

    var label: String
    var action: Action = .succeed
}

extension TaskRegistry {
    /// A registry with ``Step``, recording into `log`; its result is `{"label": …}`.
    static func steps(log: StepLog) -> TaskRegistry {
        var registry = TaskRegistry()
        registry.register(Step.self) { step, context -> [String: String] in
            log.record(.start(step.label))
            switch step.action {
            case .succeed: break
            case .discard: throw TaskDiscard("step \(step.label) refuses")
            case .failAlways: throw ScriptedFailure(attempt: context.attempt)
            case .wait:
                do {
                    try await Task.sleep(for: .seconds(600))
                } catch {
                    log.record(.cancelled(step.label))
                    throw error
                }
            }
            log.record(.end(step.label))
            return ["label": step.label]
        }
        return registry
    }
}

extension NewTask {
    /// A ``Step`` named after its label.
    static func step(_ label: String, _ action: Step.Action = .succeed, after: [String] = []) -> NewTask {
        // Encoding a plain struct of strings cannot fail.
        try! NewTask(Step(label: label, action: action), name: label, dependsOn: after)
    }
}

extension WorkerConfiguration {
    /// ``fast(queues:lease:listen:shutdownDeadline:)`` on the steps queue.
    static func steps(concurrency: Int = 20) -> WorkerConfiguration {
        .fast(queues: [QueueConfiguration(Step.queue, concurrency: concurrency)])
    }
}
