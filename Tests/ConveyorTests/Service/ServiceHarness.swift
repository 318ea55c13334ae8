import Conveyor
import ConveyorTesting
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing

@testable import ConveyorService

/// A service on a fresh database with three tokens (owners alice and bob, and an admin), driven
/// in-process through Hummingbird's test client (or over real HTTP with `.live`). Every answer is
/// checked against the OpenAPI document.
struct ServiceHarness: Sendable {
    let client: ConveyorClient
    let api: any TestClientProtocol
    let alice: String
    let bob: String
    let admin: String
    let validator: OpenAPIValidator

    /// One answer: status, headers and the parsed JSON body.
    struct Answer: Sendable {
        var status: Int
        var headers: HTTPFields
        var json: JSONValue?

        /// The error code of an error answer.
        var errorCode: String? {
            guard case .object(let body)? = json, case .object(let error)? = body["error"],
                case .string(let code)? = error["code"]
            else { return nil }
            return code
        }

        var errorMessage: String? {
            guard case .object(let body)? = json, case .object(let error)? = body["error"],
                case .string(let message)? = error["message"]
            else { return nil }
            return message
        }

        subscript(_ key: String) -> JSONValue? {
            guard case .object(let body)? = json else { return nil }
            return body[key]
        }

        var id: Int64? {
            if case .integer(let id)? = self["id"] { return id }
            return nil
        }
    }

    static func run(
        _ driver: TestDriver, configuration: ServiceConfiguration = ServiceConfiguration(port: 0),
        setup: TestingSetup = .router, _ body: @Sendable (ServiceHarness) async throws -> Void
    ) async throws {
        try await driver.withDatabase { client in
            let tokens = AccessTokens(client: client)
            let alice = try await tokens.issue(owner: "alice", role: .owner).token
            let bob = try await tokens.issue(owner: "bob", role: .owner).token
            let admin = try await tokens.issue(owner: "ops", role: .admin).token
            let validator = try OpenAPIValidator()
            let app = ConveyorService.buildApplication(client: client, configuration: configuration, logger: .test())
            try await app.test(setup) { api in
                try await body(
                    ServiceHarness(client: client, api: api, alice: alice, bob: bob, admin: admin, validator: validator)
                )
            }
        }
    }

    /// Sends a request and checks the answer against the OpenAPI document.
    @discardableResult
    func request(
        _ method: HTTPRequest.Method, _ uri: String, token: String?, body: String? = nil, bytes: [UInt8]? = nil,
        headers: HTTPFields = [:], sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> Answer {
        var headers = headers
        if let token { headers[.authorization] = "Bearer \(token)" }
        if body != nil || bytes != nil { headers[.contentType] = "application/json" }
        let payload = bytes.map { ByteBuffer(bytes: $0) } ?? body.map { ByteBuffer(string: $0) }
        let response = try await api.execute(uri: uri, method: method, headers: headers, body: payload)
        let data = response.body.getBytes(at: response.body.readerIndex, length: response.body.readableBytes) ?? []
        let json = data.isEmpty ? nil : try? JSONDecoder().decode(JSONValue.self, from: Data(data))
        if !data.isEmpty {
            #expect(
                json != nil, "the body is not JSON: \(String(decoding: data, as: UTF8.self))",
                sourceLocation: sourceLocation)
            #expect(
                response.headers[.contentType]?.hasPrefix("application/json") == true, sourceLocation: sourceLocation)
        }
        let path = String(uri.split(separator: "?", maxSplits: 1).first ?? "")
        let problems = validator.problems(
            method: method.rawValue, path: path, status: Int(response.status.code), body: json)
        #expect(
            problems.isEmpty, "\(method) \(uri) → \(response.status.code): \(problems)", sourceLocation: sourceLocation)
        return Answer(status: Int(response.status.code), headers: response.headers, json: json)
    }

    /// Creates a job for a token and returns its id.
    func createJob(
        _ body: String, token: String, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws
        -> Int64
    {
        let answer = try await request(.post, "/v1/jobs", token: token, body: body, sourceLocation: sourceLocation)
        #expect(answer.status == 201, "\(answer.json.map { "\($0)" } ?? "")", sourceLocation: sourceLocation)
        return try #require(answer.id, sourceLocation: sourceLocation)
    }
}
