import Conveyor
import ConveyorTesting
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@testable import ConveyorService

@Suite("HTTP API: bad input", .boundedParallelism, .timeLimit(.minutes(10)))
struct BadInputAPITests {
    @Test("unknown and read-only fields are 400 naming the field")
    func strictFields() async throws {
        try await ServiceHarness.run(.sqlite) { h in
            let cases: [(body: String, code: String, field: String)] = [
                (#"{"kind": "a", "colour": "red"}"#, "unknown_field", "'colour'"),
                (#"{"kind": "a", "owner": "bob"}"#, "read_only_field", "'owner'"),
                (#"{"kind": "a", "state": "completed"}"#, "read_only_field", "'state'"),
                (#"{"kind": "a", "attempt": 3}"#, "read_only_field", "'attempt'"),
                (#"{"kind": "a", "id": 3}"#, "read_only_field", "'id'"),
                (#"{"kind": "j", "tasks": [{"kind": "a", "attempt": 2}]}"#, "read_only_field", "'tasks[0].attempt'"),
                (
                    #"{"kind": "j", "tasks": [{"kind": "a"}, {"kind": "b", "owner": "x"}]}"#, "read_only_field",
                    "'tasks[1].owner'"
                ),
                (#"{"kind": "j", "tasks": [{"kind": "a", "extra": 1}]}"#, "unknown_field", "'tasks[0].extra'"),
                (#"{"input": {}}"#, "missing_field", "'kind'"),
                (#"{"kind": 5}"#, "invalid_field", "'kind'"),
                (#"{"kind": "a", "priority": 40000}"#, "invalid_field", "'priority'"),
                (#"{"kind": "a", "max_attempts": 0}"#, "invalid_field", "'max_attempts'"),
                (#"{"kind": "a", "run_at": "tomorrow"}"#, "invalid_field", "'run_at'"),
                (#"{"kind": "a", "metadata": [1]}"#, "invalid_field", "'metadata'"),
                (#"{"kind": "j", "tasks": []}"#, "invalid_field", "'tasks'"),
                (#"{"kind": "j", "input": {}, "tasks": [{"kind": "a"}]}"#, "invalid_field", "'input'"),
                (#"[1, 2]"#, "invalid_body", "JSON object"),
            ]
            for (body, code, field) in cases {
                let answer = try await h.request(.post, "/v1/jobs", token: h.alice, body: body)
                #expect(answer.status == 400, "\(body)")
                #expect(answer.errorCode == code, "\(body): \(answer.errorMessage ?? "")")
                #expect(answer.errorMessage?.contains(field) == true, "\(body): \(answer.errorMessage ?? "")")
            }
            #expect(try await h.client.driver.jobList(.init(owner: nil, kind: nil, before: nil, limit: 5)).isEmpty)
        }
    }

    @Test("bad dependencies are 400 naming the task")
    func badDependencies() async throws {
        try await ServiceHarness.run(.sqlite) { h in
            let cycle = try await h.request(
                .post, "/v1/jobs", token: h.alice,
                body:
                    #"{"kind": "j", "tasks": [{"name": "a", "kind": "a", "depends_on": ["b"]}, {"name": "b", "kind": "b", "depends_on": ["a"]}]}"#
            )
            #expect(cycle.status == 400)
            #expect(cycle.errorCode == "invalid_tasks")
            #expect(cycle.errorMessage?.contains("cycle") == true)
            let unknown = try await h.request(
                .post, "/v1/jobs", token: h.alice,
                body: #"{"kind": "j", "tasks": [{"name": "a", "kind": "a", "depends_on": ["ghost"]}]}"#)
            #expect(unknown.errorMessage?.contains("'ghost'") == true)
        }
    }

    @Test("malformed JSON, invalid UTF-8, NUL characters and deep nesting are 400")
    func malformed() async throws {
        try await ServiceHarness.run(.sqlite) { h in
            let malformed = try await h.request(.post, "/v1/jobs", token: h.alice, body: #"{"kind": "a""#)
            #expect(malformed.status == 400)
            #expect(malformed.errorCode == "invalid_json")
            let empty = try await h.request(.post, "/v1/jobs", token: h.alice, bytes: [])
            #expect(empty.status == 400)
            let utf8 = try await h.request(
                .post, "/v1/jobs", token: h.alice,
                bytes: Array(#"{"kind": "a"#.utf8) + [0xC3, 0x28] + Array(#""}"#.utf8))
            #expect(utf8.status == 400)
            #expect(utf8.errorCode == "invalid_utf8")
            let nul = try await h.request(.post, "/v1/jobs", token: h.alice, body: #"{"kind": "a\u0000b"}"#)
            #expect(nul.status == 400)
            let deep = String(repeating: "[", count: 40) + String(repeating: "]", count: 40)
            let nested = try await h.request(
                .post, "/v1/jobs", token: h.alice, body: #"{"kind": "a", "input": \#(deep)}"#)
            #expect(nested.status == 400)
            #expect(nested.errorCode == "too_deep")
            // Brackets inside strings do not count.
            let quoted = try await h.request(
                .post, "/v1/jobs", token: h.alice, body: #"{"kind": "a", "input": "\#(deep)"}"#)
            #expect(quoted.status == 201)
            let hostile = String(repeating: "[", count: 200_000)
            #expect(try await h.request(.post, "/v1/jobs", token: h.alice, body: hostile).errorCode == "too_deep")
        }
    }

    @Test("a body over 1 MiB is 413; more than 10,000 tasks is 400")
    func limits() async throws {
        try await ServiceHarness.run(.sqlite) { h in
            let big = #"{"kind": "a", "input": ""# + String(repeating: "x", count: (1 << 20) + 10) + #""}"#
            let large = try await h.request(.post, "/v1/jobs", token: h.alice, body: big)
            #expect(large.status == 413)
            #expect(large.errorCode == "payload_too_large")
            let tasks = Array(repeating: #"{"kind":"a"}"#, count: 10_001).joined(separator: ",")
            let many = try await h.request(
                .post, "/v1/jobs", token: h.alice, body: #"{"kind": "j", "tasks": [\#(tasks)]}"#)
            #expect(many.status == 400)
            #expect(many.errorCode == "too_many_tasks")
            #expect(many.errorMessage?.contains("10000") == true)
        }
    }

    @Test("job creation is rate limited per token, with Retry-After")
    func rateLimit() async throws {
        let configuration = ServiceConfiguration(port: 0, createRatePerSecond: 0.01, createBurst: 2)
        try await ServiceHarness.run(.sqlite, configuration: configuration) { h in
            for _ in 0..<2 { _ = try await h.createJob(#"{"kind": "a"}"#, token: h.alice) }
            let limited = try await h.request(.post, "/v1/jobs", token: h.alice, body: #"{"kind": "a"}"#)
            #expect(limited.status == 429)
            #expect(limited.errorCode == "rate_limited")
            let retryAfter = try #require(limited.headers[.retryAfter].flatMap(Int.init))
            #expect(retryAfter >= 1)
            // Another token has its own budget; reads are not limited.
            _ = try await h.createJob(#"{"kind": "a"}"#, token: h.bob)
            #expect(try await h.request(.get, "/v1/jobs", token: h.alice).status == 200)
        }
    }

    @Test("unknown paths answer in the error format")
    func unknownPath() async throws {
        try await ServiceHarness.run(.sqlite) { h in
            let answer = try await h.api.execute(uri: "/v2/nothing", method: .get)
            #expect(answer.status == .notFound)
            let json = try JSONDecoder().decode(JSONValue.self, from: Data(answer.body.readableBytesView))
            let expected = JSONValue.object([
                "error": .object(["code": .string("not_found"), "message": .string("no such endpoint")])
            ])
            #expect(json == expected)
        }
    }
}
