import Conveyor
import ConveyorDemo
import Foundation
import ServiceLifecycle
import Synchronization

/// Finds the demo job (or enqueues one) and shows its progress until it ends.
///
/// With `exitWhenDone`, it returns when the job ends, which shuts the service group down;
/// otherwise it waits for Ctrl-C after the job ends, leaving the worker running.
struct DemoJobMonitor: Service {
    var client: ConveyorClient
    var exitWhenDone: Bool
    /// Where the job's end state is left for the command to report.
    var outcome: DevOutcome

    func run() async throws {
        let started = ContinuousClock.now
        var job = try await Self.currentDemoJob(client)
        var printer = ProgressPrinter()
        ProgressPrinter.line(
            "demo job \(job.id): split a text into chunks (tasks added at run time) that are spoken and joined into an artifact, render a PDF after the split, and call a flaky service"
        )
        // Redraws the line a few times a second; a display refresh, nothing waits on it.
        while job.finishedAt == nil {
            printer.show(JobProgressLine.render(job))
            // Ctrl-C or SIGTERM before the job ends: stop showing it, without an error.
            guard (try? await Task.sleep(for: .milliseconds(200))) != nil, !Task.isShuttingDownGracefully else {
                printer.finish()
                return
            }
            job = try await client.job(job.id) ?? job
        }
        printer.show(JobProgressLine.render(job))
        printer.finish()
        ProgressPrinter.line(JobProgressLine.summary(job, elapsed: ContinuousClock.now - started))
        outcome.set(job.state)
        guard !exitWhenDone else { return }
        ProgressPrinter.line(
            "The worker keeps running: try `swift run conveyor enqueue sleep '{\"ms\": 500}'` in another terminal. Ctrl-C stops it."
        )
        try await gracefulShutdown()
    }

    /// The unfinished demo job, or a new one when every earlier demo job has ended.
    ///
    /// Demo jobs carry numbered idempotency keys, so two `conveyor dev` processes starting at once
    /// agree on one job instead of enqueueing two.
    static func currentDemoJob(_ client: ConveyorClient) async throws -> JobSnapshot {
        var number = 1
        while true {
            let enqueued = try await client.enqueueJob(
                kind: DemoTasks.jobKind, tasks: try DemoTasks.job(), idempotencyKey: "conveyor-dev-demo-\(number)"
            )
            if let job = try await client.job(enqueued.jobID), !enqueued.existing || job.finishedAt == nil {
                return job
            }
            number += 1
        }
    }
}

/// The demo job's end state, shared between the monitor and the command.
final class DevOutcome: Sendable {
    private let state = Mutex<JobState?>(nil)
    func set(_ value: JobState) { state.withLock { $0 = value } }
    var value: JobState? { state.withLock { $0 } }
}
