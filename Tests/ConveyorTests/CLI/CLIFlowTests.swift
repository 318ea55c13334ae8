import Conveyor
import ConveyorTesting
import Foundation
import Testing

/// `conveyor queues` and `conveyor resources`: runtime settings from the command line.
@Suite("CLI queues and resources", .boundedParallelism, .timeLimit(.minutes(10)))
struct CLIFlowTests {
    static func run(_ arguments: [String], _ database: CLIDatabase) async throws -> CLIResult {
        try await CLIProcess.run(arguments + database.arguments)
    }

    @Test("queues set changes only the flags given; pause and resume; queues lists what is in force")
    func queues() async throws {
        try await CLIDatabase.with { database, client in
            #expect(try await Self.run(["migrate"], database).succeeded)
            var result = try await Self.run(
                ["queues", "set", "render", "--concurrency", "10", "--fair-share", "--timeout", "90s"], database)
            #expect(result.succeeded, "\(result)")
            #expect(result.stdout.contains("queue render: concurrency 10"), "\(result)")
            result = try await Self.run(
                [
                    "queues", "set", "render", "--rate", "5/m", "--max-attempts", "3", "--peak", "00:00-24:00x1.5",
                    "--time-zone", "Europe/Berlin",
                ], database)
            #expect(result.succeeded, "\(result)")
            var render = try #require(try await client.queue("render"))
            #expect(render.concurrencyLimit == 10)
            #expect(render.fairShare)
            #expect(render.timeout == .seconds(90))
            #expect(render.rateLimit == RateLimit(5, per: .seconds(60)))
            #expect(render.maxAttempts == 3)
            #expect(render.peak == PeakWindow(start: 0, end: 1440, multiplier: 1.5, timeZone: "Europe/Berlin"))

            #expect(try await Self.run(["queues", "pause", "render"], database).succeeded)
            try await client.enqueue(NewTask(kind: "sleep", queue: "other"))
            result = try await Self.run(["queues"], database)
            #expect(result.succeeded, "\(result)")
            let lines = result.stdout.split(separator: "\n").map(String.init)
            let line = try #require(lines.first { $0.hasPrefix("render") }, "\(result)")
            for fragment in ["paused", "15 (peak, base 10)", "5/m", "yes", "90s", "3", "00:00-24:00x1.5 Europe/Berlin"]
            {
                #expect(line.contains(fragment), "'\(fragment)' missing from: \(line)")
            }
            #expect(lines.contains { $0.hasPrefix("other") && $0.contains("active") }, "\(result)")

            #expect(try await Self.run(["queues", "resume", "render"], database).succeeded)
            result = try await Self.run(
                ["queues", "set", "render", "--concurrency", "none", "--peak", "none", "--no-fair-share"], database)
            #expect(result.succeeded, "\(result)")
            render = try #require(try await client.queue("render"))
            #expect(!render.paused)
            #expect(render.concurrencyLimit == nil)
            #expect(render.peak == nil)
            #expect(!render.fairShare)
            #expect(render.rateLimit == RateLimit(5, per: .seconds(60)))
        }
    }

    @Test("resources set, list with running tasks, remove; enqueue --resources names them on the task")
    func resources() async throws {
        try await CLIDatabase.with { database, client in
            #expect(try await Self.run(["migrate"], database).succeeded)
            var result = try await Self.run(
                ["resources", "set", "tts-endpoint", "--concurrency", "3", "--rate", "100/m"], database)
            #expect(result.succeeded, "\(result)")
            #expect(result.stdout.contains("resource tts-endpoint: concurrency 3 rate 100/m"), "\(result)")
            result = try await Self.run(
                ["enqueue", "sleep", #"{"ms": 1}"#, "--queue", "tts", "--resources", "tts-endpoint"], database)
            #expect(result.succeeded, "\(result)")
            #expect(try await client.driver.queueFlowGet("tts").usesResources)
            let claimed = try await client.driver.taskClaimLimited(
                .init(queue: "tts", limit: 5, workerID: "probe", leaseDuration: .seconds(30)))
            #expect(claimed.tasks.count == 1)
            result = try await Self.run(["resources"], database)
            #expect(result.succeeded, "\(result)")
            let line = try #require(
                result.stdout.split(separator: "\n").first { $0.hasPrefix("tts-endpoint") }, "\(result)")
            #expect(line.contains("3") && line.contains("100/m") && line.hasSuffix("1"), "\(line)")
            #expect(try await Self.run(["resources", "remove", "tts-endpoint"], database).succeeded)
            #expect(try await client.resources().isEmpty)
            result = try await Self.run(["resources", "remove", "tts-endpoint"], database)
            CLIErrorTests.expectOneLineError(result, mentioning: ["resource 'tts-endpoint' has no settings"])
        }
    }

    @Test(
        "an invalid value is refused with one line that says what to fix",
        arguments: [
            (["queues", "set", "q", "--concurrency", "-1"], "from 0 to 1,000,000"),
            (["queues", "set", "q", "--concurrency", "many"], "--concurrency"),
            (["queues", "set", "q", "--rate", "0/s"], "1 to 1,000,000 starts"),
            (["queues", "set", "q", "--rate", "fast"], "write it like 50/s"),
            (["queues", "set", "q", "--timeout", "-5s"], "--timeout"),
            (["queues", "set", "q", "--max-attempts", "0"], "from 1 to"),
            (["queues", "set", "q", "--peak", "25:00-01:00x2"], "write it like 06:00-21:00x1.5"),
            (["queues", "set", "q", "--peak", "06:00-21:00x0"], "more than 0 and at most 100"),
            (
                ["queues", "set", "q", "--peak", "06:00-21:00x2", "--time-zone", "Mars/Base"],
                "unknown time zone 'Mars/Base'"
            ),
            (["queues", "set", "q", "--time-zone", "UTC", "--peak", "none"], "--time-zone applies to a peak window"),
            (["resources", "set", "tts endpoint", "--concurrency", "1"], "resource name 'tts endpoint'"),
            (["resources", "set", "tts", "--concurrency", "-3"], "from 0 to 1,000,000"),
            (["enqueue", "sleep", "{}", "--resources", "a b"], "--resources"),
        ])
    func invalidValues(arguments: [String], fragment: String) async throws {
        let result = try await CLIProcess.run(arguments)
        CLIErrorTests.expectOneLineError(result, mentioning: [fragment])
    }

    @Test("a peak window without a concurrency limit, or a time zone without a window, is refused")
    func settingsThatNeedEachOther() async throws {
        let directory = try CLIEmbeddedTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var result = try await CLIProcess.run(["queues", "set", "q", "--peak", "06:00-21:00x2"], directory: directory)
        CLIErrorTests.expectOneLineError(result, mentioning: ["a peak window multiplies the concurrency limit"])
        result = try await CLIProcess.run(["queues", "set", "q", "--time-zone", "UTC"], directory: directory)
        CLIErrorTests.expectOneLineError(result, mentioning: ["--time-zone applies to a peak window"])
        result = try await CLIProcess.run(["queues", "set", "q", "--concurrency", "4"], directory: directory)
        #expect(result.succeeded, "\(result)")
    }
}
