// The smallest real Conveyor program: define a task, register its handler, enqueue one, run a worker.
//
//     CONVEYOR_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres swift run ExampleWorker
//
// Stop it with Ctrl-C (or SIGTERM): the worker stops claiming, finishes what it runs, then exits.

import Conveyor
import ConveyorPostgres
import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle
import UnixSignals

/// A kind of task. Its input is the type itself, stored as JSON, so it must be Codable.
struct SendWelcomeEmail: TaskDefinition {
    static let name = "send-welcome-email"  // the kind stored on each task; unique per registry
    static let queue = "email"  // where it goes unless an enqueue says otherwise
    var address: String
}

/// Runs the example: see the comment at the top of the file.
@main
struct ExampleWorker {
    static func main() async throws {
        let logger = Logger(label: "example")
        guard let text = ProcessInfo.processInfo.environment["CONVEYOR_DATABASE_URL"] else {
            print("set CONVEYOR_DATABASE_URL to a PostgreSQL URL, e.g. postgres://postgres@127.0.0.1:5432/postgres")
            exit(1)
        }
        let url = try PostgresURL(text)
        try await url.checkConnection(logger: logger)  // a clear error now instead of queries that wait

        // A connection pool and a Conveyor client on it.
        let postgres = PostgresClient(configuration: url.clientConfiguration())
        let client = ConveyorClient(try PostgresDriver(client: postgres))

        // The handlers this worker runs, by kind. Throw to retry with backoff; throw
        // TaskDiscard("why") when no retry can help.
        var registry = TaskRegistry()
        registry.register(SendWelcomeEmail.self) { email, context in
            context.logger.info("sending a welcome email", metadata: ["to": "\(email.address)"])
        }

        // A worker that runs up to 5 tasks of the "email" queue at once.
        let worker = try Worker(
            client: client,
            registry: registry,
            configuration: WorkerConfiguration(queues: [QueueConfiguration("email", concurrency: 5)]),
            logger: logger
        )

        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { await postgres.run() }  // the pool must run while the client is used

            try await client.migrate()  // creates the tables on first use; safe to repeat
            let job = try await client.enqueue(SendWelcomeEmail(address: "ada@example.com"))
            logger.info("enqueued", metadata: ["job": "\(job.jobID)"])

            // Runs until SIGTERM or Ctrl-C, then shuts the worker down gracefully.
            let group = ServiceGroup(services: [worker], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
            try await group.run()
            tasks.cancelAll()  // the worker has stopped: close the pool
        }
    }
}
