import Foundation

/// The lines of a file handle (a pipe, stdin) as an async sequence, read on a thread of their
/// own so that a blocking read never holds up the concurrency pool.
enum LineStream {
    static func lines(of handle: FileHandle) -> AsyncStream<String> {
        let (stream, continuation) = AsyncStream.makeStream(of: String.self)
        let thread = Thread {
            var buffer = Data()
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                buffer.append(chunk)
                while let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                    continuation.yield(String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self))
                    buffer.removeSubrange(buffer.startIndex...newline)
                }
            }
            if !buffer.isEmpty { continuation.yield(String(decoding: buffer, as: UTF8.self)) }
            continuation.finish()
        }
        thread.start()
        return stream
    }
}

/// The words a coordinator and its worker processes say to each other, one per line.
enum BenchProtocol {
    /// Worker → coordinator: connected and ready to start.
    static let ready = "READY"
    /// Coordinator → worker: start claiming.
    static let go = "GO"
    /// Coordinator → worker: shut down gracefully.
    static let stop = "STOP"
    /// Worker → coordinator, before `BYE`: the enqueue-to-start delays it saw, in µs, comma-separated.
    static let latencyPrefix = "LATENCY_US "
    /// Worker → coordinator: stopped; nothing more follows.
    static let bye = "BYE"

    /// Writes one line to stdout, unbuffered, so the coordinator sees it at once.
    static func say(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }
}
