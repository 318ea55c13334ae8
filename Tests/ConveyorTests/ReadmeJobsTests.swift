import Conveyor
import ConveyorS3
import ConveyorTesting
import Foundation
import Testing

/// The README's "Jobs made of tasks" example, as written there, with the S3 store against the
/// test script's real S3-compatible server, so the returned URL is a presigned one.
@Suite("README jobs example", .boundedParallelism, .timeLimit(.minutes(10)))
struct ReadmeJobsTests {
    struct Narrate: TaskDefinition {
        static let name = "narrate"
        static let queue = "tts"
        var text: String
    }
    struct Speak: TaskDefinition {
        static let name = "speak"
        static let queue = "tts"
        var chunk: String
    }
    struct Join: TaskDefinition {
        static let name = "join"
        static let queue = "tts"
    }
    struct RenderCover: TaskDefinition {
        static let name = "render-cover"
        static let queue = "tts"
        var title: String
    }

    @Test("text → chunks (fan-out) → join writes an artifact and returns its URL", arguments: TestDriver.allCases)
    func audiobook(driver: TestDriver) async throws {
        try await S3TestServer.withStore { store in
            try await driver.withDatabase { client in
                var registry = TaskRegistry()
                registry.register(Narrate.self) { task, context in
                    let chunks = try task.text.split(separator: ".").enumerated().map { index, chunk in
                        try NewTask(Speak(chunk: String(chunk)), name: "chunk-\(index)")
                    }
                    try context.addTasks(chunks)
                    try context.addTask(Join(), name: "join", dependsOn: chunks.compactMap(\.name))
                }
                registry.register(Speak.self) { task, context in
                    try await context.reportProgress(100, message: "spoken")
                    return ["audio": task.chunk.uppercased()]
                }
                registry.register(Join.self) { _, context in
                    let audio = try await context.dependencyResults().compactMap(\.result)
                    let stored = try await context.writeArtifact(
                        named: "book.txt", bytes: Array(audio.joined(separator: "\n").utf8), contentType: "text/plain")
                    return ["url": try await context.artifactURL(for: stored)?.absoluteString]
                }
                registry.register(RenderCover.self) { task, _ in ["cover": task.title] }

                let job = try await client.enqueueJob(
                    kind: "audiobook",
                    tasks: [
                        try NewTask(Narrate(text: "Once. Upon. A time."), name: "narrate"),
                        try NewTask(RenderCover(title: "Once"), name: "cover", dependsOn: ["narrate"]),
                    ])

                var configuration = WorkerConfiguration.fast(queues: [QueueConfiguration("tts", concurrency: 4)])
                configuration.artifactStore = store
                try await drain(client, registry: registry, configuration: configuration)

                let done = try #require(try await client.job(job.jobID))
                #expect(done.state == .completed)
                #expect(done.tasks.count == 2 + 3 + 1)
                let join = try #require(done.tasks.first { $0.name == "join" })
                struct Output: Decodable { var url: String }
                let url = try JSONDecoder().decode(Output.self, from: Data(try #require(join.result).utf8)).url
                let fetched = try await S3TestServer.fetch(url)
                #expect(fetched.status == 200)
                // The chunks' results, in chunk order, one per line.
                let lines = String(decoding: fetched.body, as: UTF8.self).split(separator: "\n").map(String.init)
                #expect(lines.count == 3)
                for (line, audio) in zip(lines, ["ONCE", " UPON", " A TIME"]) {
                    #expect(sameJSON(line, #"{"audio":"\#(audio)"}"#), "\(line)")
                }
                let artifacts = try await client.artifacts(of: job.jobID)
                #expect(artifacts.map(\.name) == ["book.txt"])
                #expect(artifacts.first?.size == fetched.body.count)
            }
        }
    }
}
