/// The condition did not hold before the deadline.
public struct ConditionTimedOut: Error, CustomStringConvertible {
    public var what: String
    public var timeout: Duration
    public var description: String { "timed out after \(timeout) waiting for: \(what)" }
}

/// Checks `condition` until it holds, or throws when `timeout` passes.
///
/// For waiting on state that lives in a database, where no in-process event exists to await.
public func waitUntil(
    _ what: String,
    timeout: Duration = .seconds(30),
    every interval: Duration = .milliseconds(20),
    _ condition: () async throws -> Bool
) async throws {
    let clock = ContinuousClock()
    let deadline = clock.now.advanced(by: timeout)
    while true {
        if try await condition() { return }
        guard clock.now < deadline else { throw ConditionTimedOut(what: what, timeout: timeout) }
        try await Task.sleep(for: interval)
    }
}
