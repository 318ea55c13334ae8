import Conveyor
import ConveyorTesting
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@testable import ConveyorService

@Suite("HTTP API: health, OpenAPI, live server", .boundedParallelism, .timeLimit(.minutes(10)))
struct ServiceBasicsTests {
    @Test("healthz and readyz answer without a token; readyz fails when the readiness check does")
    func health() async throws {
        try await ServiceHarness.run(.sqlite) { h in
            let health = try await h.request(.get, "/healthz", token: nil)
            #expect(health["status"] == .string("ok"))
            let ready = try await h.request(.get, "/readyz", token: nil)
            #expect(ready["status"] == .string("ready"))
        }
        struct NotMigrated: Error {}
        let failing = ServiceConfiguration(port: 0, readinessCheck: { throw NotMigrated() })
        try await ServiceHarness.run(.sqlite, configuration: failing) { h in
            let answer = try await h.request(.get, "/readyz", token: nil)
            #expect(answer.status == 503)
            #expect(answer.errorCode == "not_ready")
        }
    }

    @Test("the OpenAPI document is served, is 3.1, and documents every route the service has")
    func openAPI() async throws {
        try await ServiceHarness.run(.sqlite) { h in
            let answer = try await h.request(.get, "/openapi.json", token: nil)
            #expect(answer["openapi"] == .string("3.1.0"))
            guard case .object(let paths)? = answer["paths"] else {
                Issue.record("no paths")
                return
            }
            for path in [
                "/healthz", "/readyz", "/openapi.json", "/v1/jobs", "/v1/jobs/{id}", "/v1/jobs/{id}/cancel",
                "/v1/jobs/{id}/retry", "/v1/stats",
            ] {
                #expect(paths[path] != nil, "\(path) is not documented")
            }
            // Every $ref points at something that exists.
            var refs: [String] = []
            func collect(_ value: JSONValue) {
                switch value {
                case .object(let fields):
                    if case .string(let ref)? = fields["$ref"] { refs.append(ref) }
                    fields.values.forEach(collect)
                case .array(let items): items.forEach(collect)
                default: break
                }
            }
            collect(try #require(answer.json))
            #expect(!refs.isEmpty)
            for ref in Set(refs) {
                var node = try #require(answer.json)
                for part in ref.dropFirst(2).split(separator: "/") {
                    guard case .object(let fields) = node, let next = fields[String(part)] else {
                        Issue.record("\(ref) points at nothing")
                        break
                    }
                    node = next
                }
            }
        }
    }

    @Test("the validator refuses answers that do not match the document")
    func validatorCatchesMismatches() throws {
        let validator = try OpenAPIValidator()
        let error = JSONValue.object(["error": .object(["code": .string("x"), "message": .string("y")])])
        #expect(validator.problems(method: "GET", path: "/v1/jobs/7", status: 404, body: error).isEmpty)
        #expect(!validator.problems(method: "GET", path: "/v1/jobs/7", status: 418, body: error).isEmpty)
        #expect(!validator.problems(method: "GET", path: "/v1/jobs/7", status: 200, body: error).isEmpty)
        let extra = JSONValue.object([
            "error": .object(["code": .string("x"), "message": .string("y")]), "stack": .string("…"),
        ])
        #expect(!validator.problems(method: "GET", path: "/v1/jobs/7", status: 404, body: extra).isEmpty)
        let list = JSONValue.object(["jobs": .array([]), "next_cursor": .integer(5)])
        #expect(!validator.problems(method: "GET", path: "/v1/jobs", status: 200, body: list).isEmpty)
    }

    @Test("over real HTTP: create, read and list a job on a live server", arguments: TestDriver.allCases)
    func live(driver: TestDriver) async throws {
        try await ServiceHarness.run(driver, setup: .live) { h in
            let id = try await h.createJob(#"{"kind": "sleep", "input": {"ms": 1}}"#, token: h.alice)
            let read = try await h.request(.get, "/v1/jobs/\(id)", token: h.alice)
            #expect(read.status == 200)
            #expect(read["kind"] == .string("sleep"))
            let listed = try await h.request(.get, "/v1/jobs", token: h.alice)
            #expect(JobsAPITests.ids(listed) == [id])
            #expect(try await h.request(.get, "/v1/jobs/\(id)", token: h.bob).status == 404)
        }
    }
}
