/// A coalescing signal: many `fire()`s between two waits count as one.
package struct WakeSignal: Sendable {
    package let stream: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation

    package init() {
        (stream, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    package func fire() { continuation.yield() }

    package func finish() { continuation.finish() }
}
