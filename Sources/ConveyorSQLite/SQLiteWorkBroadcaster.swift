import Synchronization

/// Wake-ups without LISTEN/NOTIFY: tells the listeners of one database file, in this process,
/// that a queue has new work.
///
/// Every ``SQLiteDriver`` on the same file (by resolved path) shares one broadcaster, so a
/// worker wakes at once for enqueues and promotions made by any client of this process. Work
/// added by another process is found by the worker's poll.
final class SQLiteWorkBroadcaster: Sendable {
    private struct State {
        var nextID = 0
        var listeners: [Int: AsyncStream<String>.Continuation] = [:]
    }

    private let state = Mutex(State())

    /// What a broadcaster announces.
    enum Channel: String {
        case work
        case jobEvents
    }

    private static let byPath = Mutex<[String: SQLiteWorkBroadcaster]>([:])

    /// The broadcaster of the file at `path` (an absolute, resolved path) on one channel: `work`
    /// carries queue names, `jobEvents` the ids of jobs whose event log grew.
    static func forFile(_ path: String, channel: Channel = .work) -> SQLiteWorkBroadcaster {
        byPath.withLock { broadcasters in
            let key = "\(channel.rawValue):\(path)"
            if let existing = broadcasters[key] { return existing }
            let broadcaster = SQLiteWorkBroadcaster()
            broadcasters[key] = broadcaster
            return broadcaster
        }
    }

    /// Tells every listener that `queues` have new work.
    func notify<Queues: Sequence<String>>(_ queues: Queues) {
        let listeners = state.withLock { Array($0.listeners.values) }
        guard !listeners.isEmpty else { return }
        for queue in Set(queues) {
            for listener in listeners { listener.yield(queue) }
        }
    }

    /// Calls `onListening` once registered, then `onWork` for every notification, until the
    /// calling task is cancelled.
    func listen(onListening: @Sendable () -> Void, onWork: @Sendable (String) -> Void) async {
        let (stream, continuation) = AsyncStream.makeStream(of: String.self, bufferingPolicy: .bufferingNewest(256))
        let id = state.withLock { state in
            defer { state.nextID += 1 }
            state.listeners[state.nextID] = continuation
            return state.nextID
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.listeners.removeValue(forKey: id) }
        }
        onListening()
        for await queue in stream {
            onWork(queue)
        }
    }
}
