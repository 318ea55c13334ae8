import Conveyor
import ConveyorSQLite
import ConveyorTesting
import Foundation
import Synchronization
import Testing

/// The README's limits example, as written there: 40-chunk jobs from several users against a
/// TTS endpoint that takes 10 at a time.
@Suite("README limits example", .boundedParallelism, .timeLimit(.minutes(10)))
struct ReadmeLimitsTests {
    struct SynthesizeChunk: TaskDefinition {
        static let name = "synthesize-chunk"
        static let queue = "tts"
        static let resources = ["tts-endpoint"]
        var book: String
        var chunk: Int
    }

    /// How many handlers run at once, and in which order users' chunks started. A call holds its
    /// place until the endpoint is full or no chunk waits to be claimed (at the end, or while the
    /// rest are reserved to follow running calls), so whether the limit's places are all used is
    /// seen from the calls themselves, not from how long each one takes.
    final class Endpoint: Sendable {
        private struct State {
            var now = 0
            var most = 0
            var started: [String] = []
            /// How many times the endpoint filled: a call waits for the next.
            var fills = 0
        }
        private let state = Mutex(State())
        let places: Int
        let nothingWaits: @Sendable () async throws -> Bool

        init(places: Int, nothingWaits: @escaping @Sendable () async throws -> Bool) {
            self.places = places
            self.nothingWaits = nothingWaits
        }

        func call(_ user: String) async throws {
            let entered = state.withLock { state in
                state.now += 1
                state.most = max(state.most, state.now)
                state.started.append(user)
                if state.now >= places { state.fills += 1 }
                return state.fills
            }
            defer { state.withLock { $0.now -= 1 } }
            try await waitUntil("the endpoint full or no chunk waiting", every: .milliseconds(5)) {
                if state.withLock({ $0.fills > entered || $0.now >= places }) { return true }
                return try await nothingWaits()
            }
        }

        var most: Int { state.withLock { $0.most } }
        var started: [String] { state.withLock { $0.started } }
    }

    @Test("three users' 40-chunk jobs: never more than 10 at the endpoint, users taken in turns")
    func ttsEndpoint() async throws {
        try await SQLiteFixture.withDatabase { client, _, _ in
            try await client.setResource(ResourceSettings("tts-endpoint", concurrencyLimit: 10))
            try await client.setQueue(QueueSettings("tts", paused: true, fairShare: true))
            var jobs: [EnqueuedJob] = []
            for user in ["ada", "grace", "linus"] {
                jobs.append(
                    try await client.enqueueJob(
                        kind: "audiobook",
                        tasks: try (0..<40).map { try NewTask(SynthesizeChunk(book: user, chunk: $0)) },
                        owner: user))
            }
            let endpoint = Endpoint(places: 10) {
                try await client.queueStats().first { $0.queue == "tts" }?.available ?? 0 == 0
            }
            var registry = TaskRegistry()
            registry.register(SynthesizeChunk.self) { chunk, _ in
                try await endpoint.call(chunk.book)
            }
            let workers = try (0..<2).map { _ in
                try Worker(
                    client: client, registry: registry,
                    configuration: .init(queues: [.init("tts", concurrency: 40)], pollInterval: .milliseconds(100)),
                    logger: .test())
            }
            try await withRunningWorkers(workers) {
                try await client.resumeQueue("tts")
                try await waitUntil("every chunk synthesized") {
                    try await jobs.asyncMap { try await client.job($0.jobID)?.state }.allSatisfy { $0 == .completed }
                }
            }
            #expect(endpoint.most <= 10)
            #expect(endpoint.most == 10, "the endpoint's 10 places were used")
            // Users are taken in turns: first in first out would start ada's 40 chunks, then grace's,
            // and none of linus's among the first 60.
            let started = endpoint.started
            #expect(started.count == 120)
            for user in ["ada", "grace", "linus"] {
                #expect(started.prefix(60).filter { $0 == user }.count >= 12, "\(started.prefix(60))")
            }
        }
    }
}
