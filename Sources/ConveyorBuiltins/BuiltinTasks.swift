public import Conveyor
import Foundation

/// The task kinds that ship with Conveyor, so that `conveyor work` is useful without writing Swift.
///
/// - `sleep` (``SleepTask``): waits and optionally fails at random; for trying things out and benchmarks.
/// - `http` (``HTTPTask``): calls an HTTP endpoint on an allow-listed host and stores the answer.
///
/// ```swift
/// let http = HTTPTaskConfiguration.makeClient()
/// var registry = TaskRegistry()
/// BuiltinTasks.register(
///     in: &registry, http: try HTTPTaskConfiguration(allowedHosts: ["api.example.com"], client: http))
/// ```
public enum BuiltinTasks {
    /// The kinds ``register(in:http:)`` adds.
    public static let kinds = [HTTPTask.name, SleepTask.name]

    /// Registers every built-in kind.
    ///
    /// - Parameters:
    ///   - registry: where the handlers go; a kind already registered there stops the program.
    ///   - http: which hosts `http` tasks may call, and the client that calls them.
    public static func register(in registry: inout TaskRegistry, http: HTTPTaskConfiguration) {
        registerSleep(in: &registry)
        registerHTTP(in: &registry, configuration: http)
    }

    /// Registers only the `sleep` kind.
    public static func registerSleep(in registry: inout TaskRegistry) {
        registry.register(kind: SleepTask.name) { input, context in
            let task: SleepTask
            do {
                task = try JSONDecoder().decode(SleepTask.self, from: Data(input.utf8))
            } catch {
                throw TaskDiscard(
                    #"the input of a sleep task could not be decoded: give {"ms": 100, "failRate": 0.1, "timed": false}"#
                )
            }
            let timing = try await SleepTask.runTimed(task, context: context)
            // Untimed, it stores no result, so it costs the benchmark nothing.
            guard task.timed else { return nil }
            return String(decoding: try JSONEncoder().encode(timing), as: UTF8.self)
        }
    }

    /// Registers only the `http` kind.
    public static func registerHTTP(in registry: inout TaskRegistry, configuration: HTTPTaskConfiguration) {
        let handler = HTTPTaskHandler(configuration: configuration)
        registry.register(HTTPTask.self, handler: handler.run)
    }
}
