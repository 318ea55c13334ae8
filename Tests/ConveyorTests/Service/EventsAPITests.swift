import Conveyor
import ConveyorTesting
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@testable import ConveyorService

@Suite("HTTP: job events (SSE)", .boundedParallelism, .timeLimit(.minutes(10)))
struct EventsAPITests {
    /// What a change event says, comparable with ``JobEventTests/expected``.
    static func change(_ event: ParsedEvent) -> JobEventTests.Change? {
        guard let json = event.json, let task = event.task, let name = task["name"] as? String,
            let state = (task["state"] as? String).flatMap(TaskState.init(rawValue:)),
            let attempt = task["attempt"] as? Int,
            let job = (json["job_state"] as? String).flatMap(JobState.init(rawValue:))
        else { return nil }
        return JobEventTests.Change(
            task: name, state: state, attempt: attempt, progress: task["progress"] as? Int,
            error: task["last_error"] as? String, job: job)
    }

    static func stream(
        _ harness: ServiceHarness, job: JobID, token: String, lastEventID: String? = nil
    ) async throws -> (status: Int, contentType: String?, events: [ParsedEvent], body: String) {
        var headers: HTTPFields = [.authorization: "Bearer \(token)"]
        if let lastEventID { headers[HTTPField.Name("Last-Event-ID")!] = lastEventID }
        let response = try await harness.api.execute(
            uri: "/v1/jobs/\(job)/events", method: .get, headers: headers, body: nil)
        let body = String(buffer: response.body)
        return (Int(response.status.code), response.headers[.contentType], ParsedEvent.parse(body), body)
    }

    @Test(
        "a client receives every change of a three-task job in order, and after a reconnect with Last-Event-ID",
        arguments: TestDriver.allCases)
    func everyChangeInOrder(driver: TestDriver) async throws {
        try await ServiceHarness.run(driver) { harness in
            let job = try await JobEventTests.enqueueChain(harness.client, owner: "alice")
            try await JobEventTests.drive(harness.client)

            let whole = try await Self.stream(harness, job: job.jobID, token: harness.alice)
            #expect(whole.status == 200)
            #expect(whole.contentType?.hasPrefix("text/event-stream") == true)
            let changes = whole.events.filter { $0.event == "change" }
            #expect(changes.compactMap(Self.change) == JobEventTests.expected, "\(whole.body)")
            #expect(changes.map(\.id) == (1...JobEventTests.expected.count).map { String($0) })
            #expect(whole.events.last?.event == "end")
            #expect(whole.events.last?.json?["job_state"] as? String == "completed")

            // The browser's EventSource reconnects with the last id it saw.
            let resumed = try await Self.stream(harness, job: job.jobID, token: harness.alice, lastEventID: "7")
            let rest = resumed.events.filter { $0.event == "change" }
            #expect(rest.compactMap(Self.change) == Array(JobEventTests.expected[7...]))
            #expect(rest.first?.id == "8")
            #expect(resumed.events.last?.event == "end")
        }
    }

    @Test(
        "another owner's job and a missing job are the same 404; a bad Last-Event-ID is 400",
        arguments: TestDriver.allCases)
    func isolation(driver: TestDriver) async throws {
        try await ServiceHarness.run(driver) { harness in
            let job = try await JobEventTests.enqueueChain(harness.client, owner: "alice")
            let other = try await harness.request(.get, "/v1/jobs/\(job.jobID)/events", token: harness.bob)
            let missing = try await harness.request(.get, "/v1/jobs/987654/events", token: harness.bob)
            #expect(other.status == 404)
            #expect(other.errorCode == "not_found")
            #expect(missing.status == 404)
            #expect(
                other.errorMessage == missing.errorMessage?.replacingOccurrences(of: "987654", with: "\(job.jobID)"))
            let unauthenticated = try await harness.request(.get, "/v1/jobs/\(job.jobID)/events", token: nil)
            #expect(unauthenticated.status == 401)
            let bad = try await harness.request(
                .get, "/v1/jobs/\(job.jobID)/events", token: harness.alice,
                headers: [HTTPField.Name("Last-Event-ID")!: "seven"])
            #expect(bad.status == 400)
            #expect(bad.errorCode == "invalid_last_event_id")
            // An admin sees every owner's feed.
            try await harness.client.cancelJob(job.jobID)
            let admin = try await Self.stream(harness, job: job.jobID, token: harness.admin)
            #expect(admin.status == 200)
            #expect(admin.events.last?.json?["job_state"] as? String == "cancelled")
        }
    }
}
