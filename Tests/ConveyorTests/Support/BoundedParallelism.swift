import Foundation
import Synchronization
import Testing

/// Lets at most a few test cases of the whole run go at once (3 per core by default;
/// `CONVEYOR_TEST_PARALLELISM` sets the number).
///
/// Swift Testing starts every test case of the run at the same moment, and this toolchain has no
/// bound on that. Hundreds of cases, each with workers, connection pools and child processes, then
/// share the concurrency pool's one thread per core: on a 2-core machine a single-row insert
/// waited seconds for a thread, heartbeats came later than 10-second leases, and tests that wait
/// on time (a lease, a wake-up, a rate window) failed for no fault of the code they test. Every
/// suite carries this trait, so a case starts only when one of the places is free, and whatever
/// runs has the machine to itself often enough to keep its timing.
///
/// A suite's time limit counts from before the wait for a place (Swift Testing applies it around
/// this scope), which is why suites allow 10 minutes: the wait is bounded by the whole run.
struct BoundedParallelism: SuiteTrait, TestTrait, TestScoping {
    var isRecursive: Bool { true }

    /// One place per test case, never one for a suite: suites only group cases.
    func scopeProvider(for test: Test, testCase: Test.Case?) -> Self? {
        testCase == nil ? nil : self
    }

    func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        await Self.places.acquire()
        defer { Self.places.release() }
        let entry = RunningCases.shared.begin(test: test)
        defer { RunningCases.shared.end(entry) }
        try await function()
    }

    static let width: Int = {
        if let text = ProcessInfo.processInfo.environment["CONVEYOR_TEST_PARALLELISM"], let width = Int(text),
            width > 0
        {
            return width
        }
        return max(2, ProcessInfo.processInfo.activeProcessorCount * 3)
    }()

    private static let places = Places(count: width)
}

extension Trait where Self == BoundedParallelism {
    /// At most ``BoundedParallelism/width`` test cases of the run at once.
    static var boundedParallelism: Self { BoundedParallelism() }
}

/// A counting semaphore for tasks: waiters are served first come, first served.
private final class Places: Sendable {
    private struct State {
        var free: Int
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state: Mutex<State>

    init(count: Int) {
        state = Mutex(State(free: count))
    }

    func acquire() async {
        await withCheckedContinuation { continuation in
            let granted = state.withLock { state -> Bool in
                if state.free > 0 {
                    state.free -= 1
                    return true
                }
                state.waiters.append(continuation)
                return false
            }
            if granted { continuation.resume() }
        }
    }

    func release() {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if state.waiters.isEmpty {
                state.free += 1
                return nil
            }
            return state.waiters.removeFirst()
        }
        next?.resume()
    }
}

/// The test cases that hold a place now, kept in the file `CONVEYOR_TEST_RUNNING_FILE` names (if
/// it does): when a run hangs, scripts/test prints it, so CI's log names what never ended.
private final class RunningCases: Sendable {
    static let shared = RunningCases(path: ProcessInfo.processInfo.environment["CONVEYOR_TEST_RUNNING_FILE"])

    private struct State {
        var next = 0
        var running: [Int: (started: Date, name: String)] = [:]
    }

    private let path: String?
    private let state = Mutex(State())

    private init(path: String?) {
        self.path = path.flatMap { $0.isEmpty ? nil : $0 }
    }

    func begin(test: Test) -> Int {
        // A parameterized test's cases share its name; its arguments are not public API.
        let name = "\(test.sourceLocation.fileID):\(test.sourceLocation.line) \(test.displayName ?? test.name)"
        return update { state in
            state.next += 1
            state.running[state.next] = (Date(), name)
            return state.next
        }
    }

    func end(_ entry: Int) {
        update { state in state.running[entry] = nil }
    }

    /// Changes the record and rewrites the file under the lock, so the file never goes back in time.
    @discardableResult
    private func update<R>(_ change: (inout State) -> R) -> R {
        state.withLock { state in
            let result = change(&state)
            if let path {
                let lines = state.running.values.sorted { $0.started < $1.started }.map {
                    "\($0.started.formatted(.iso8601)) \($0.name)"
                }
                try? Data((lines.joined(separator: "\n") + "\n").utf8).write(
                    to: URL(fileURLWithPath: path), options: .atomic)
            }
            return result
        }
    }
}
