public import Conveyor
public import Logging
import ServiceLifecycle

/// Runs `worker` while `body` runs, then shuts it down gracefully and waits for it to stop.
public func withRunningWorker<T: Sendable>(
    _ worker: Worker,
    logger: Logger = .test(),
    _ body: () async throws -> T
) async throws -> T {
    try await withRunningWorkers([worker], logger: logger, body)
}

/// Runs `workers` while `body` runs, then shuts them down gracefully and waits for them to stop.
public func withRunningWorkers<T: Sendable>(
    _ workers: [Worker],
    logger: Logger = .test(),
    _ body: () async throws -> T
) async throws -> T {
    let group = ServiceGroup(services: workers, logger: logger)
    return try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await group.run() }
        let result: Result<T, any Error>
        do {
            result = .success(try await body())
        } catch {
            result = .failure(error)
        }
        await group.triggerGracefulShutdown()
        try await tasks.waitForAll()
        return try result.get()
    }
}

/// Runs a worker until every task of its queues has finished (none available, scheduled,
/// retryable or running), or throws when `timeout` passes.
public func drain(
    _ client: ConveyorClient,
    registry: TaskRegistry,
    configuration: WorkerConfiguration = .init(),
    timeout: Duration = .seconds(60),
    logger: Logger = .test()
) async throws {
    let worker = try Worker(client: client, registry: registry, configuration: configuration, logger: logger)
    let queues = Set(configuration.queues.map(\.name))
    try await withRunningWorker(worker, logger: logger) {
        try await waitUntil("queues \(queues.sorted()) drained", timeout: timeout, every: .milliseconds(50)) {
            let stats = try await client.queueStats().filter { queues.contains($0.queue) }
            return stats.allSatisfy { $0.available + $0.scheduled + $0.retryable + $0.running == 0 }
        }
    }
}
