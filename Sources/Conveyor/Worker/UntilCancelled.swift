import Synchronization

/// Runs `operation` in a task of its own and waits for it, or only until the calling task is
/// cancelled: then it cancels the operation and throws `CancellationError` at once, without
/// waiting for the operation to end.
///
/// For a wait that a database client may not end on cancellation (a listener whose connection was
/// killed under it): a worker's shutdown must not hang on it. The operation, cancelled, runs on
/// unawaited until it ends by itself.
func untilCancelled(_ operation: @escaping @Sendable () async throws -> Void) async throws {
    let outcome = Outcome()
    let task = Task {
        do {
            try await operation()
            outcome.finish(.success(()))
        } catch {
            outcome.finish(.failure(error))
        }
    }
    try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { continuation in
            outcome.wait(continuation)
        }
    } onCancel: {
        task.cancel()
        outcome.finish(.failure(CancellationError()))
    }
}

/// The first result, handed to the waiter whether it comes before or after the wait begins.
private final class Outcome: Sendable {
    private struct State {
        var result: Result<Void, any Error>?
        var waiter: CheckedContinuation<Void, any Error>?
    }

    private let state = Mutex(State())

    func wait(_ continuation: CheckedContinuation<Void, any Error>) {
        let ready = state.withLock { state -> Result<Void, any Error>? in
            if let result = state.result { return result }
            state.waiter = continuation
            return nil
        }
        if let ready { continuation.resume(with: ready) }
    }

    func finish(_ result: Result<Void, any Error>) {
        let waiter = state.withLock { state -> CheckedContinuation<Void, any Error>? in
            guard state.result == nil else { return nil }
            state.result = result
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(with: result)
    }
}
