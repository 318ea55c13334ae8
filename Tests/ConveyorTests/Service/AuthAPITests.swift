import Conveyor
import ConveyorTesting
import Foundation
import HTTPTypes
import Testing

@testable import ConveyorService

@Suite("HTTP API: tokens and owners", .boundedParallelism, .timeLimit(.minutes(10)))
struct AuthAPITests {
    @Test("a request without a valid bearer token is 401 in the error format", arguments: TestDriver.allCases)
    func unauthorized(driver: TestDriver) async throws {
        try await ServiceHarness.run(driver) { h in
            for token in [nil, "cvy_unknown", "not-a-token"] {
                let answer = try await h.request(.get, "/v1/jobs", token: token)
                #expect(answer.status == 401)
                #expect(answer.errorCode == "unauthorized")
                #expect(answer.headers[.wwwAuthenticate] == "Bearer")
            }
            let basic = try await h.request(
                .get, "/v1/jobs", token: nil, headers: [.authorization: "Basic YWxpY2U6c2VjcmV0"])
            #expect(basic.status == 401)
            // The answer never echoes the token.
            let wrong = try await h.request(.get, "/v1/jobs", token: h.alice + "x")
            #expect(wrong.errorMessage?.contains(h.alice) == false)
        }
    }

    @Test("a revoked token is refused from the next request on", arguments: TestDriver.allCases)
    func revocation(driver: TestDriver) async throws {
        try await ServiceHarness.run(driver) { h in
            let tokens = AccessTokens(client: h.client)
            let issued = try await tokens.issue(owner: "carol", role: .owner)
            #expect(try await h.request(.get, "/v1/jobs", token: issued.token).status == 200)
            #expect(try await tokens.revoke(issued.token))
            #expect(try await h.request(.get, "/v1/jobs", token: issued.token).status == 401)

            let second = try await tokens.issue(owner: "carol", role: .owner)
            #expect(try await h.request(.get, "/v1/jobs", token: second.token).status == 200)
            #expect(try await tokens.revoke(String(second.record.id)))
            #expect(try await h.request(.get, "/v1/jobs", token: second.token).status == 401)
        }
    }

    @Test(
        "stats are for admins: per queue counts, workers, expired leases and dead letters",
        arguments: TestDriver.allCases)
    func stats(driver: TestDriver) async throws {
        try await ServiceHarness.run(driver) { h in
            _ = try await h.createJob(#"{"kind": "a", "queue": "stats-api"}"#, token: h.alice)
            let forbidden = try await h.request(.get, "/v1/stats", token: h.alice)
            #expect(forbidden.status == 403)
            #expect(forbidden.errorCode == "forbidden")
            let stats = try await h.request(.get, "/v1/stats", token: h.admin)
            #expect(stats.status == 200)
            guard case .array(let queues)? = stats["queues"], case .object(let queue)? = queues.first else {
                Issue.record("no queues in \(String(describing: stats.json))")
                return
            }
            #expect(queue["queue"] == .string("stats-api"))
            #expect(queue["available"] == .integer(1))
            // Work waits and no worker serves the queue.
            #expect(queue["no_live_worker"] == .bool(true))
            #expect(stats["dead_letters"] == .integer(0))
        }
    }

    @Test(
        "another owner's job answers 404 exactly like a missing one on every endpoint; lists never show it",
        arguments: TestDriver.allCases)
    func isolation(driver: TestDriver) async throws {
        try await ServiceHarness.run(driver) { h in
            let bobsSingle = try await h.createJob(#"{"kind": "a", "queue": "iso"}"#, token: h.bob)
            let bobsMulti = try await h.createJob(
                #"{"kind": "m", "tasks": [{"kind": "a", "queue": "iso"}, {"kind": "b", "queue": "iso"}]}"#,
                token: h.bob)
            let alices = try await h.createJob(#"{"kind": "a", "queue": "iso"}"#, token: h.alice)
            let missing = bobsMulti + 1000

            // Bob's task ids too: a task id is never a job id of alice's.
            let bobsTasks = try #require(try await h.client.job(JobID(bobsMulti))).tasks.map(\.id.rawValue)
            for id in [bobsSingle, bobsMulti, missing] + bobsTasks {
                for (method, path) in [
                    (HTTPRequest.Method.get, "/v1/jobs/\(id)"), (.post, "/v1/jobs/\(id)/cancel"),
                    (.post, "/v1/jobs/\(id)/retry"),
                ] {
                    let answer = try await h.request(method, path, token: h.alice)
                    #expect(answer.status == 404, "\(method) \(path)")
                    #expect(answer.json == Self.notFound(id), "\(method) \(path)")
                }
            }
            // Nothing of bob's changed.
            #expect(try await h.client.job(JobID(bobsMulti))?.state == .queued)
            #expect(try await h.client.job(JobID(bobsSingle))?.state == .queued)

            let listed = try await h.request(.get, "/v1/jobs", token: h.alice)
            #expect(JobsAPITests.ids(listed) == [alices])
            for state in JobState.allCases {
                let filtered = try await h.request(.get, "/v1/jobs?state=\(state)", token: h.alice)
                #expect(!JobsAPITests.ids(filtered).contains(bobsSingle))
                #expect(!JobsAPITests.ids(filtered).contains(bobsMulti))
            }
            // An admin sees and reaches everyone's.
            let all = try await h.request(.get, "/v1/jobs", token: h.admin)
            #expect(JobsAPITests.ids(all) == [alices, bobsMulti, bobsSingle])
            #expect(try await h.request(.get, "/v1/jobs/\(bobsMulti)", token: h.admin).status == 200)
        }
    }

    static func notFound(_ id: Int64) -> JSONValue {
        .object([
            "error": .object(["code": .string("not_found"), "message": .string("there is no job \(id)")])
        ])
    }
}
