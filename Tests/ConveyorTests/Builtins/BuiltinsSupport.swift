import AsyncHTTPClient
import Conveyor
import ConveyorBuiltins

extension RetryPolicy {
    /// Retries within milliseconds, so tests of retries do not wait on the default backoff.
    static let immediate = RetryPolicy(initial: .milliseconds(10), maximum: .milliseconds(50), jitter: 0)
}

extension WorkerConfiguration {
    /// Fast timings on the `default` queue, where built-in tasks go.
    static func builtins(shutdownDeadline: Duration = .seconds(10)) -> WorkerConfiguration {
        .fast(
            queues: [QueueConfiguration(TaskDefaults.queue, concurrency: 4, retryPolicy: .immediate)],
            shutdownDeadline: shutdownDeadline)
    }
}

/// Runs `body` with a registry of the built-in kinds whose `http` task may call `allowedHosts`,
/// through a client that follows no redirects; the client is shut down afterwards.
func withBuiltins<T: Sendable>(
    allowedHosts: [String] = ["127.0.0.1"],
    maximumResultBodyBytes: Int = 65_536,
    _ body: (TaskRegistry) async throws -> T
) async throws -> T {
    let client = HTTPTaskConfiguration.makeClient()
    do {
        var registry = TaskRegistry()
        BuiltinTasks.register(
            in: &registry,
            http: try HTTPTaskConfiguration(
                allowedHosts: allowedHosts, client: client, maximumResultBodyBytes: maximumResultBodyBytes))
        let result = try await body(registry)
        try await client.shutdown()
        return result
    } catch {
        try? await client.shutdown()
        throw error
    }
}
