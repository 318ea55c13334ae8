public import Conveyor

/// The task kinds `conveyor dev` runs to show Conveyor at work with nothing to write.
public enum DemoTasks {
    /// Splits a text into chunks, as a text-to-speech pipeline does before synthesis.
    public struct Split: TaskDefinition {
        public static let name = "demo.split"
        public static let queue = "demo"
        public var text: String
        /// Words per chunk.
        public var wordsPerChunk: Int

        public init(text: String, wordsPerChunk: Int) {
            self.text = text
            self.wordsPerChunk = wordsPerChunk
        }

        /// The chunks, in order.
        public struct Output: Codable, Sendable, Equatable {
            public var chunks: [String]
        }

        func run() throws -> Output {
            guard wordsPerChunk > 0 else { throw TaskDiscard("wordsPerChunk must be at least 1") }
            let words = text.split(whereSeparator: \.isWhitespace)
            let chunks = stride(from: 0, to: words.count, by: wordsPerChunk).map {
                words[$0..<min($0 + wordsPerChunk, words.count)].joined(separator: " ")
            }
            return Output(chunks: chunks)
        }
    }

    /// A slow render (audio, a PDF page) that reports its progress as it goes.
    public struct Render: TaskDefinition {
        public static let name = "demo.render"
        public static let queue = "demo"
        public var name: String
        public var steps: Int
        public var millisecondsPerStep: Int

        public init(name: String, steps: Int, millisecondsPerStep: Int) {
            self.name = name
            self.steps = steps
            self.millisecondsPerStep = millisecondsPerStep
        }

        public struct Output: Codable, Sendable, Equatable {
            public var rendered: String
        }

        func run(_ context: TaskContext) async throws -> Output {
            for step in 1...max(1, steps) {
                try await Task.sleep(for: .milliseconds(millisecondsPerStep))
                try await context.reportProgress(
                    step * 100 / max(1, steps), message: "\(name): step \(step) of \(steps)")
            }
            return Output(rendered: name)
        }
    }

    /// A call to a flaky service: fails on its first attempts, then succeeds, to show retries.
    public struct Flaky: TaskDefinition {
        public static let name = "demo.flaky"
        public static let queue = "demo"
        public static let retryPolicy: RetryPolicy? = RetryPolicy(initial: .milliseconds(300), maximum: .seconds(2))
        public var failures: Int

        public init(failures: Int) { self.failures = failures }

        struct Unavailable: Error, CustomStringConvertible {
            var attempt: Int
            var description: String { "demo service unavailable (attempt \(attempt))" }
        }

        func run(_ context: TaskContext) throws -> EmptyResult {
            if context.attempt <= failures { throw Unavailable(attempt: context.attempt) }
            return EmptyResult()
        }
    }

    /// Registers the demo kinds.
    public static func register(in registry: inout TaskRegistry) {
        registry.register(Split.self) { task, _ in try task.run() }
        registry.register(Render.self) { task, context in try await task.run(context) }
        registry.register(Flaky.self) { task, context in try task.run(context) }
    }

    /// The kind of the demo job, so `conveyor dev` can tell whether one exists.
    public static let jobKind = "demo.audiobook"

    /// A job of several tasks: split a text, render its parts with progress, and call a flaky service.
    public static func job() throws -> [NewTask] {
        let text = """
            Conveyor turns a request into a job and a job into tasks. Workers on any number of machines
            claim the tasks, run them under leases, retry what fails and never run past a limit.
            """
        return [
            try NewTask(Split(text: text, wordsPerChunk: 8)),
            try NewTask(Render(name: "chapter-1.mp3", steps: 10, millisecondsPerStep: 150)),
            try NewTask(Render(name: "chapter-2.mp3", steps: 10, millisecondsPerStep: 200)),
            try NewTask(Render(name: "book.pdf", steps: 5, millisecondsPerStep: 300)),
            try NewTask(Flaky(failures: 2), options: .init(maxAttempts: 5)),
        ]
    }
}
