public import Conveyor
import Foundation

/// The task kinds `conveyor dev` runs to show Conveyor at work with nothing to write.
public enum DemoTasks {
    /// Splits a text into chunks, as a text-to-speech pipeline does before synthesis, and adds
    /// to its job a ``Speak`` task per chunk and a ``Concatenate`` task that waits for all of them.
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

        func chunks() throws -> [String] {
            guard wordsPerChunk > 0 else { throw TaskDiscard("wordsPerChunk must be at least 1") }
            let words = text.split(whereSeparator: \.isWhitespace)
            return stride(from: 0, to: words.count, by: wordsPerChunk).map {
                words[$0..<min($0 + wordsPerChunk, words.count)].joined(separator: " ")
            }
        }

        func run(_ context: TaskContext) throws -> Output {
            let chunks = try chunks()
            let speak = try chunks.enumerated().map { index, chunk in
                try NewTask(Speak(text: chunk, millisecondsPerWord: 40), name: "chunk-\(index + 1)")
            }
            // Added atomically with this task's completion: a failed attempt adds nothing.
            try context.addTasks(speak)
            try context.addTask(Concatenate(name: "book.txt"), name: "book", dependsOn: speak.compactMap(\.name))
            return Output(chunks: chunks)
        }
    }

    /// Synthesises one chunk (here: takes a moment per word), reporting progress.
    public struct Speak: TaskDefinition {
        public static let name = "demo.speak"
        public static let queue = "demo"
        public var text: String
        public var millisecondsPerWord: Int

        public init(text: String, millisecondsPerWord: Int) {
            self.text = text
            self.millisecondsPerWord = millisecondsPerWord
        }

        public struct Output: Codable, Sendable, Equatable {
            public var audio: String
        }

        func run(_ context: TaskContext) async throws -> Output {
            let words = text.split(separator: " ")
            for (index, _) in words.enumerated() {
                try await Task.sleep(for: .milliseconds(millisecondsPerWord))
                try await context.reportProgress((index + 1) * 100 / max(1, words.count))
            }
            return Output(audio: text)
        }
    }

    /// Joins the chunks' audio, in order, into one artifact and returns where to fetch it.
    public struct Concatenate: TaskDefinition {
        public static let name = "demo.concatenate"
        public static let queue = "demo"
        /// The artifact's name.
        public var name: String

        public init(name: String) { self.name = name }

        public struct Output: Codable, Sendable, Equatable {
            /// The artifact's storage key, `{owner}/{jobId}/{taskId}/{name}`.
            public var artifact: String
            public var size: Int
            public var sha256: String
            /// A URL that fetches it until it expires, when the store signs URLs (S3); nil for a
            /// filesystem store, whose files the HTTP service serves.
            public var url: String?
        }

        func run(_ context: TaskContext) async throws -> Output {
            // Dependencies come in id order: the order the chunks were added in.
            let parts = try await context.dependencyResults().compactMap { dependency -> String? in
                guard let result = dependency.result else { return nil }
                return try JSONDecoder().decode(Speak.Output.self, from: Data(result.utf8)).audio
            }
            let stored = try await context.writeArtifact(
                named: name, bytes: Array(parts.joined(separator: "\n").utf8), contentType: "text/plain")
            let url = try await context.artifactURL(for: stored, expiresIn: .seconds(3600))
            return Output(
                artifact: stored.key.storageKey, size: stored.size, sha256: stored.sha256, url: url?.absoluteString)
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
        registry.register(Split.self) { task, context in try task.run(context) }
        registry.register(Speak.self) { task, context in try await task.run(context) }
        registry.register(Concatenate.self) { task, context in try await task.run(context) }
        registry.register(Render.self) { task, context in try await task.run(context) }
        registry.register(Flaky.self) { task, context in try task.run(context) }
    }

    /// The kind of the demo job, so `conveyor dev` can tell whether one exists.
    public static let jobKind = "demo.audiobook"

    /// A job of several tasks: split a text (which adds a task per chunk and one that joins them
    /// into an artifact), render a PDF once the text is split, and call a flaky service.
    public static func job() throws -> [NewTask] {
        let text = """
            Conveyor turns a request into a job and a job into tasks. Workers on any number of machines
            claim the tasks, run them under leases, retry what fails and never run past a limit.
            """
        return [
            try NewTask(Split(text: text, wordsPerChunk: 8), name: "split"),
            try NewTask(
                Render(name: "book.pdf", steps: 5, millisecondsPerStep: 200), name: "pdf", dependsOn: ["split"]),
            try NewTask(Flaky(failures: 2), options: .init(maxAttempts: 5), name: "flaky"),
        ]
    }
}
