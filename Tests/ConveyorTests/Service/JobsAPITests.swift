import Conveyor
import ConveyorTesting
import Foundation
import HTTPTypes
import Testing

@testable import ConveyorService

@Suite("HTTP API: jobs", .boundedParallelism, .timeLimit(.minutes(10)))
struct JobsAPITests {
    @Test("a one-task job is created from a kind and input, and read back", arguments: TestDriver.allCases)
    func createOneTask(driver: TestDriver) async throws {
        try await ServiceHarness.run(driver) { h in
            let created = try await h.request(
                .post, "/v1/jobs", token: h.alice,
                body: #"{"kind": "sleep", "input": {"ms": 5}, "priority": -10, "max_attempts": 2, "queue": "api"}"#)
            #expect(created.status == 201)
            let id = try #require(created.id)
            #expect(created.headers[.location] == "/v1/jobs/\(id)")
            #expect(created["owner"] == .string("alice"))
            #expect(created["state"] == .string("queued"))
            #expect(created["task_count"] == .integer(1))

            let read = try await h.request(.get, "/v1/jobs/\(id)", token: h.alice)
            #expect(read.status == 200)
            guard case .array(let tasks)? = read["tasks"], case .object(let task)? = tasks.first else {
                Issue.record("no tasks in \(String(describing: read.json))")
                return
            }
            #expect(task["kind"] == .string("sleep"))
            #expect(task["queue"] == .string("api"))
            #expect(task["priority"] == .integer(-10))
            #expect(task["max_attempts"] == .integer(2))
            #expect(task["input"] == .object(["ms": .integer(5)]))
            #expect(task["state"] == .string("available"))
            #expect(task["last_error"] == .null)
        }
    }

    @Test(
        "a job of explicit tasks waits on its dependencies, keeps metadata and runs later with run_at",
        arguments: TestDriver.allCases)
    func createTasks(driver: TestDriver) async throws {
        try await ServiceHarness.run(driver) { h in
            let id = try await h.createJob(
                """
                {"kind": "audiobook", "metadata": {"source": "app", "n": 3},
                 "tasks": [
                    {"name": "narrate", "kind": "narrate", "input": {"text": "Once."}},
                    {"name": "cover", "kind": "cover", "depends_on": ["narrate"], "queue": "render"},
                    {"kind": "later", "run_at": "2099-01-01T00:00:00Z"}
                 ]}
                """, token: h.alice)
            let job = try #require(try await h.client.job(JobID(id)))
            #expect(job.kind == "audiobook")
            #expect(job.tasks.map(\.state) == [.available, .blocked, .scheduled])
            #expect(job.tasks[1].dependsOn == [job.tasks[0].id])
            #expect(job.tasks[1].queue == "render")
            let read = try await h.request(.get, "/v1/jobs/\(id)", token: h.alice)
            #expect(read["metadata"] == .object(["source": .string("app"), "n": .integer(3)]))
            #expect(read["kind"] == .string("audiobook"))
        }
    }

    @Test("a kind with a registered recipe is expanded into the recipe's tasks")
    func recipe() async throws {
        var recipes = JobRecipes()
        recipes.register("report") { input in
            [
                NewTask(kind: "gather", input: input, name: "gather"),
                NewTask(kind: "render", input: input, name: "render", dependsOn: ["gather"]),
            ]
        }
        try await ServiceHarness.run(.sqlite, configuration: ServiceConfiguration(port: 0, recipes: recipes)) { h in
            let id = try await h.createJob(#"{"kind": "report", "input": {"month": 11}}"#, token: h.alice)
            let job = try #require(try await h.client.job(JobID(id)))
            #expect(job.kind == "report")
            #expect(job.tasks.map(\.kind) == ["gather", "render"])
            #expect(job.tasks.allSatisfy { $0.input == #"{"month":11}"# })
        }
    }

    @Test("jobs list newest first, filtered by state and kind, page by page", arguments: TestDriver.allCases)
    func list(driver: TestDriver) async throws {
        try await ServiceHarness.run(driver) { h in
            var ids: [Int64] = []
            for index in 0..<5 {
                ids.append(try await h.createJob(#"{"kind": "k\#(index % 2)", "queue": "list"}"#, token: h.alice))
            }
            _ = try await h.request(.post, "/v1/jobs/\(ids[4])/cancel", token: h.alice)

            let all = try await h.request(.get, "/v1/jobs", token: h.alice)
            #expect(Self.ids(all) == ids.reversed())
            #expect(all["next_cursor"] == .null)

            let queued = try await h.request(.get, "/v1/jobs?state=queued&kind=k0", token: h.alice)
            #expect(Self.ids(queued) == [ids[2], ids[0]])
            let cancelled = try await h.request(.get, "/v1/jobs?state=cancelled", token: h.alice)
            #expect(Self.ids(cancelled) == [ids[4]])

            var seen: [Int64] = []
            var cursor: String?
            repeat {
                let page = try await h.request(
                    .get, "/v1/jobs?limit=2" + (cursor.map { "&cursor=\($0)" } ?? ""), token: h.alice)
                #expect(page.status == 200)
                seen += Self.ids(page)
                if case .string(let next)? = page["next_cursor"] { cursor = next } else { cursor = nil }
            } while cursor != nil
            #expect(seen == ids.reversed())

            let bad = try await h.request(.get, "/v1/jobs?state=lost", token: h.alice)
            #expect(bad.status == 400)
            #expect(try await h.request(.get, "/v1/jobs?limit=0", token: h.alice).status == 400)
            #expect(try await h.request(.get, "/v1/jobs?cursor=abc", token: h.alice).status == 400)
            #expect(try await h.request(.get, "/v1/jobs?colour=red", token: h.alice).errorCode == "unknown_parameter")
        }
    }

    @Test("cancel ends a job's waiting tasks; retry runs a failed job's tasks again", arguments: TestDriver.allCases)
    func cancelAndRetry(driver: TestDriver) async throws {
        try await ServiceHarness.run(driver) { h in
            let id = try await h.createJob(
                #"{"kind": "two", "tasks": [{"kind": "a", "queue": "cr"}, {"kind": "b", "queue": "cr"}]}"#,
                token: h.alice)
            let retryEarly = try await h.request(.post, "/v1/jobs/\(id)/retry", token: h.alice)
            #expect(retryEarly.status == 409)
            #expect(retryEarly.errorCode == "not_retryable")

            let cancelled = try await h.request(.post, "/v1/jobs/\(id)/cancel", token: h.alice)
            #expect(cancelled.status == 200)
            #expect(cancelled["state"] == .string("cancelled"))
            let again = try await h.request(.post, "/v1/jobs/\(id)/cancel", token: h.alice)
            #expect(again.status == 409)
            #expect(again.errorCode == "job_finished")

            let retried = try await h.request(.post, "/v1/jobs/\(id)/retry", token: h.alice)
            #expect(retried.status == 200)
            #expect(retried["state"] == .string("queued"))
            let job = try #require(try await h.client.job(JobID(id)))
            #expect(job.tasks.allSatisfy { $0.state == .available })
        }
    }

    @Test(
        "an Idempotency-Key replays the first job for the same body and refuses another body",
        arguments: TestDriver.allCases)
    func idempotency(driver: TestDriver) async throws {
        try await ServiceHarness.run(driver) { h in
            let key: HTTPFields = [HTTPField.Name("Idempotency-Key")!: "order-7"]
            let first = try await h.request(
                .post, "/v1/jobs", token: h.alice, body: #"{"kind": "mail", "input": {"to": "a", "n": 1}}"#,
                headers: key)
            #expect(first.status == 201)
            // The same request, spaced and ordered differently.
            let replay = try await h.request(
                .post, "/v1/jobs", token: h.alice, body: #"{ "input": {"n": 1, "to": "a"}, "kind": "mail" }"#,
                headers: key)
            #expect(replay.status == 200)
            #expect(replay.id == first.id)
            #expect(replay.headers[HTTPField.Name("Idempotent-Replayed")!] == "true")
            let other = try await h.request(
                .post, "/v1/jobs", token: h.alice, body: #"{"kind": "mail", "input": {"to": "b"}}"#, headers: key)
            #expect(other.status == 409)
            #expect(other.errorCode == "idempotency_conflict")
            // Keys are per owner: bob's same key is a job of his own.
            let bobs = try await h.request(
                .post, "/v1/jobs", token: h.bob, body: #"{"kind": "mail", "input": {"to": "a", "n": 1}}"#,
                headers: key)
            #expect(bobs.status == 201)
            #expect(bobs.id != first.id)
            let bad = try await h.request(
                .post, "/v1/jobs", token: h.alice, body: #"{"kind": "mail"}"#,
                headers: [HTTPField.Name("Idempotency-Key")!: String(repeating: "k", count: 300)])
            #expect(bad.errorCode == "invalid_idempotency_key")
        }
    }

    @Test("two concurrent identical requests with one Idempotency-Key make one job", arguments: TestDriver.allCases)
    func concurrentIdempotency(driver: TestDriver) async throws {
        try await ServiceHarness.run(driver) { h in
            let key: HTTPFields = [HTTPField.Name("Idempotency-Key")!: "twice"]
            let body = #"{"kind": "mail", "tasks": [{"kind": "a"}, {"kind": "b"}]}"#
            let answers = try await withThrowingTaskGroup(of: ServiceHarness.Answer.self) { group in
                for _ in 0..<2 {
                    group.addTask { try await h.request(.post, "/v1/jobs", token: h.alice, body: body, headers: key) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(Set(answers.map(\.id)).count == 1)
            #expect(answers.map(\.status).sorted() == [200, 201])
            let listed = try await h.request(.get, "/v1/jobs", token: h.alice)
            #expect(Self.ids(listed).count == 1)
        }
    }

    static func ids(_ answer: ServiceHarness.Answer) -> [Int64] {
        guard case .array(let jobs)? = answer["jobs"] else { return [] }
        return jobs.compactMap { job in
            if case .object(let fields) = job, case .integer(let id)? = fields["id"] { return id }
            return nil
        }
    }
}
