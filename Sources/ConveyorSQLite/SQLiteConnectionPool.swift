import Conveyor
import Logging
import SQLiteNIO
import Synchronization

/// Up to `capacity` open connections to one database file, lent to one user at a time.
///
/// Connections open on first use (see ``SQLiteDatabaseFile``). Borrowing waits in FIFO order and
/// is not cancellable: every use is one short statement or transaction. A use that throws
/// ``SQLiteConnectionUnusable`` closes its connection instead of returning it. Closing the pool
/// fails the waiters, closes idle connections at once and borrowed ones when they come back.
/// Connections are closed through sqlite-nio's future-based `close()`, which runs even when the
/// calling task is cancelled (its async twin is skipped then, leaking the handle).
final class SQLiteConnectionPool: Sendable {
    private struct State {
        var idle: [SQLiteConnection] = []
        /// Open or being opened.
        var count = 0
        /// A nil connection asks the waiter to try again (a slot came free because an open failed).
        var waiters: [CheckedContinuation<SQLiteConnection?, any Error>] = []
        var closed = false
    }

    private enum Next {
        case use(SQLiteConnection)
        case open
        case wait
        case closed
    }

    let capacity: Int
    private let state = Mutex(State())
    private let open: @Sendable () async throws -> SQLiteConnection
    private let closedError: @Sendable () -> any Error

    init(
        capacity: Int,
        closedError: @escaping @Sendable () -> any Error,
        open: @escaping @Sendable () async throws -> SQLiteConnection
    ) {
        self.capacity = max(1, capacity)
        self.open = open
        self.closedError = closedError
    }

    deinit {
        // Nothing is borrowed once the pool is unreferenced; close what is left so no handle leaks.
        let idle = state.withLock { state in
            defer { state.idle.removeAll() }
            return state.idle
        }
        for connection in idle {
            // The close runs on SQLite's thread pool, which keeps the connection alive until it is done.
            _ = connection.close()
        }
    }

    /// Runs `body` with a connection of its own, returned to the pool afterwards.
    func withConnection<T>(_ body: (SQLiteConnection) async throws -> T) async throws -> T {
        let connection = try await borrow()
        do {
            let result = try await body(connection)
            await giveBack(connection, usable: true)
            return result
        } catch let error as SQLiteConnectionUnusable {
            await giveBack(connection, usable: false)
            throw error.underlying
        } catch {
            await giveBack(connection, usable: true)
            throw error
        }
    }

    private func borrow() async throws -> SQLiteConnection {
        while true {
            let next: Next = state.withLock { state in
                if state.closed { return .closed }
                if let connection = state.idle.popLast() { return .use(connection) }
                if state.count < capacity {
                    state.count += 1
                    return .open
                }
                return .wait
            }
            switch next {
            case .use(let connection):
                return connection
            case .closed:
                throw closedError()
            case .open:
                do {
                    let connection = try await open()
                    let closed = state.withLock { $0.closed }
                    if closed {
                        try? await connection.close().get()
                        throw closedError()
                    }
                    return connection
                } catch {
                    let waiter = state.withLock { state in
                        state.count -= 1
                        return state.waiters.isEmpty ? nil : state.waiters.removeFirst()
                    }
                    waiter?.resume(returning: nil)
                    throw error
                }
            case .wait:
                let connection: SQLiteConnection? = try await withCheckedThrowingContinuation { continuation in
                    let now: Result<SQLiteConnection?, any Error>? = state.withLock { state in
                        if state.closed { return .failure(closedError()) }
                        if let connection = state.idle.popLast() { return .success(connection) }
                        if state.count < capacity { return .success(nil) }
                        state.waiters.append(continuation)
                        return nil
                    }
                    if let now { continuation.resume(with: now) }
                }
                if let connection { return connection }
            }
        }
    }

    private func giveBack(_ connection: SQLiteConnection, usable: Bool) async {
        enum Then {
            case handedOver(CheckedContinuation<SQLiteConnection?, any Error>)
            case kept
            case close(wake: CheckedContinuation<SQLiteConnection?, any Error>?)
        }
        let then: Then = state.withLock { state in
            if state.closed || !usable {
                state.count -= 1
                // A slot came free: a waiter opens a new connection in it.
                return .close(wake: state.closed || state.waiters.isEmpty ? nil : state.waiters.removeFirst())
            }
            if !state.waiters.isEmpty { return .handedOver(state.waiters.removeFirst()) }
            state.idle.append(connection)
            return .kept
        }
        switch then {
        case .handedOver(let waiter): waiter.resume(returning: connection)
        case .kept: break
        case .close(let wake):
            wake?.resume(returning: nil)
            try? await connection.close().get()
        }
    }

    /// Closes idle connections now and borrowed ones when they come back; later borrows fail.
    func close() async {
        let (idle, waiters) = state.withLock { state in
            state.closed = true
            state.count -= state.idle.count
            defer {
                state.idle.removeAll()
                state.waiters.removeAll()
            }
            return (state.idle, state.waiters)
        }
        for waiter in waiters { waiter.resume(throwing: closedError()) }
        for connection in idle { try? await connection.close().get() }
    }
}

/// Thrown by a use of a connection that left it in an unknown state (a failed rollback): the pool
/// closes that connection and rethrows `underlying`.
struct SQLiteConnectionUnusable: Error {
    var underlying: any Error
}
