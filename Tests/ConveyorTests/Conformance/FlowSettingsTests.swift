import Conveyor
import ConveyorTesting
import Foundation
import Testing

@Suite("Flow control settings", .boundedParallelism, .timeLimit(.minutes(10)))
struct FlowSettingsTests {
    @Test("queue and resource settings round-trip, replace, pause, resume and remove", arguments: TestDriver.allCases)
    func roundTrip(driver: TestDriver) async throws {
        try await driver.withDatabase { client in
            #expect(try await client.queues().isEmpty)
            #expect(try await client.resources().isEmpty)
            let render = QueueSettings(
                "render", concurrencyLimit: 10, rateLimit: RateLimit(20, per: .seconds(60)),
                timeout: .seconds(90), maxAttempts: 4, fairShare: true,
                peak: PeakWindow(start: 6 * 60, end: 21 * 60, multiplier: 1.5, timeZone: "Europe/Berlin"))
            try await client.setQueue(render)
            var stored = try #require(try await client.queue("render"))
            #expect(stored.updatedAt != nil)
            stored.updatedAt = nil
            #expect(stored == render)

            try await client.updateQueue("render") {
                $0.concurrencyLimit = nil
                $0.peak = nil
                $0.rateLimit = RateLimit(5, per: .milliseconds(500))
            }
            stored = try #require(try await client.queue("render"))
            #expect(stored.concurrencyLimit == nil)
            #expect(stored.peak == nil)
            #expect(stored.rateLimit == RateLimit(5, per: .milliseconds(500)))
            #expect(stored.fairShare)
            #expect(stored.maxAttempts == 4)

            try await client.pauseQueue("render")
            try await client.pauseQueue("fresh")
            #expect(try await client.queue("render")?.paused == true)
            #expect(try await client.queue("fresh")?.paused == true)
            #expect(try await client.queue("fresh")?.concurrencyLimit == nil)
            try await client.resumeQueue("render")
            #expect(try await client.queue("render")?.paused == false)
            #expect(try await client.queue("render")?.fairShare == true)
            #expect(try await client.queues().map(\.name) == ["fresh", "render"])

            let tts = ResourceSettings(
                "tts-endpoint", concurrencyLimit: 10, rateLimit: RateLimit(100, per: .seconds(60)),
                peak: PeakWindow(start: 22 * 60, end: 6 * 60, multiplier: 0.5))
            try await client.setResource(tts)
            try await client.setResource(ResourceSettings("gpu", concurrencyLimit: 0))
            var resources = try await client.resources()
            #expect(resources.map(\.name) == ["gpu", "tts-endpoint"])
            resources[1].updatedAt = nil
            #expect(resources[1] == tts)
            #expect(try await client.removeResource("gpu"))
            #expect(!(try await client.removeResource("gpu")))
            #expect(try await client.resources().map(\.name) == ["tts-endpoint"])
        }
    }

    @Test(
        "invalid settings are refused with a message that says what to fix",
        arguments: [
            (QueueSettings("q", concurrencyLimit: -1), "between 0 and 1,000,000"),
            (QueueSettings("q", rateLimit: RateLimit(0, per: .seconds(1))), "1 to 1,000,000 starts"),
            (QueueSettings("q", rateLimit: RateLimit(5, per: .seconds(100_000))), "between 1ms and 24h"),
            (QueueSettings("q", timeout: .seconds(-1)), "timeout must be more than 0"),
            (QueueSettings("q", maxAttempts: 0), "max attempts must be between 1"),
            (QueueSettings("q", peak: PeakWindow(start: 60, end: 120, multiplier: 2)), "needs one"),
            (
                QueueSettings("q", concurrencyLimit: 2, peak: PeakWindow(start: 60, end: 120, multiplier: 0)),
                "more than 0 and at most 100"
            ),
            (
                QueueSettings(
                    "q", concurrencyLimit: 2, peak: PeakWindow(start: 60, end: 60, multiplier: 2)),
                "different times"
            ),
            (
                QueueSettings(
                    "q", concurrencyLimit: 2,
                    peak: PeakWindow(start: 60, end: 120, multiplier: 2, timeZone: "Mars/Base")),
                "unknown time zone 'Mars/Base'"
            ),
            (QueueSettings(""), "1 to 200 characters"),
        ])
    func invalidQueueSettings(settings: QueueSettings, message: String) async throws {
        try await TestDriver.sqlite.withDatabase { client in
            let error = await #expect(throws: ConveyorError.self) { try await client.setQueue(settings) }
            #expect(error?.code == .invalidInput)
            #expect(error?.message.contains(message) == true, "\(String(describing: error))")
            let stored = try await client.queues()
            #expect(stored.isEmpty)
        }
    }

    @Test("rates, peak windows and resource names parse from text, or say what a valid one looks like")
    func parsing() throws {
        #expect(try RateLimit(parsing: "50/s") == RateLimit(50, per: .seconds(1)))
        #expect(try RateLimit(parsing: "5/m") == RateLimit(5, per: .seconds(60)))
        #expect(try RateLimit(parsing: "100/10s") == RateLimit(100, per: .seconds(10)))
        #expect(try RateLimit(parsing: "3/500ms") == RateLimit(3, per: .milliseconds(500)))
        #expect(try RateLimit(parsing: "20/1h").description == "20/h")
        #expect(RateLimit(100, per: .seconds(10)).description == "100/10s")
        #expect(throws: ConveyorError.self) { try RateLimit(parsing: "fast") }
        #expect(throws: ConveyorError.self) { try RateLimit(parsing: "-1/s") }
        #expect(throws: ConveyorError.self) { try RateLimit(parsing: "5/fortnight") }

        let peak = try PeakWindow(parsing: "06:00-21:30x1.5", timeZone: "Europe/Berlin")
        #expect(peak == PeakWindow(start: 360, end: 1290, multiplier: 1.5, timeZone: "Europe/Berlin"))
        #expect(peak.description == "06:00-21:30x1.5 Europe/Berlin")
        #expect(try PeakWindow(parsing: "22:00-02:00*2").description == "22:00-02:00x2 UTC")
        for bad in ["06:00-25:00x2", "6-21x2", "06:00-21:00", "06:00-21:00x-1", "06:00-06:00x2", "06:00-21:00xfast"] {
            #expect(throws: ConveyorError.self, "\(bad)") { try PeakWindow(parsing: bad) }
        }
        #expect(throws: ConveyorError.self) { try PeakWindow(parsing: "06:00-21:00x2", timeZone: "Nowhere/City") }

        try ResourceSettings.validate(name: "tts-endpoint")
        try ResourceSettings.validate(name: "openai:gpt-4.1_mini")
        for bad in ["", "two words", "a,b", String(repeating: "x", count: 101), "quote\""] {
            #expect(throws: ConveyorError.self, "\(bad)") { try ResourceSettings.validate(name: bad) }
        }
    }

    @Test("a peak window multiplies the limit inside its hours, in its own time zone, across midnight too")
    func peakWindows() throws {
        func utc(_ hour: Int, _ minute: Int = 0) -> Date {
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = TimeZone(identifier: "UTC")!
            return calendar.date(from: DateComponents(year: 2030, month: 1, day: 15, hour: hour, minute: minute))!
        }
        let day = PeakWindow(start: 6 * 60, end: 21 * 60, multiplier: 1.5)
        #expect(day.limit(10, at: utc(5, 59)) == 10)
        #expect(day.limit(10, at: utc(6)) == 15)
        #expect(day.limit(10, at: utc(20, 59)) == 15)
        #expect(day.limit(10, at: utc(21)) == 10)
        #expect(day.limit(3, at: utc(12)) == 4)
        let night = PeakWindow(start: 22 * 60, end: 2 * 60, multiplier: 0.5)
        #expect(night.limit(10, at: utc(23)) == 5)
        #expect(night.limit(10, at: utc(1, 30)) == 5)
        #expect(night.limit(10, at: utc(2)) == 10)
        #expect(night.limit(1, at: utc(23)) == 0)
        // 06:00-21:00 in Berlin is 05:00-20:00 UTC in January.
        let berlin = PeakWindow(start: 6 * 60, end: 21 * 60, multiplier: 2, timeZone: "Europe/Berlin")
        #expect(berlin.limit(4, at: utc(5, 30)) == 8)
        #expect(berlin.limit(4, at: utc(20, 30)) == 4)
        #expect(QueueSettings("q", concurrencyLimit: 4, peak: berlin).concurrencyLimit(at: utc(12)) == 8)
        #expect(QueueSettings("q", peak: berlin).concurrencyLimit(at: utc(12)) == nil)
    }

    @Test("enqueue refuses a malformed resource name; names are kept once each", arguments: TestDriver.allCases)
    func resourceNamesOnEnqueue(driver: TestDriver) async throws {
        try await driver.withDatabase { client in
            let error = await #expect(throws: ConveyorError.self) {
                try await client.enqueue(NewTask(kind: "k", resources: ["tts endpoint"]))
            }
            #expect(error?.message.contains("resource name 'tts endpoint'") == true)
            try await client.enqueue(NewTask(kind: "k", queue: "res", resources: ["b", "a", "b"]))
            #expect(try await client.driver.queueFlowGet("res").usesResources)
            #expect(!(try await client.driver.queueFlowGet("elsewhere").usesResources))
            let claimed = try await client.driver.taskClaimLimited(
                .init(queue: "res", limit: 5, workerID: "w", leaseDuration: .seconds(30)))
            #expect(claimed.tasks.count == 1)
            #expect(try await client.resourceUsage() == ["a": 1, "b": 1])
        }
    }
}
