import AsyncHTTPClient
import Conveyor
import ConveyorTesting
import Foundation
import NIOCore
import NIOHTTP1
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `conveyor tokens` and `conveyor serve` as real child processes, over real HTTP.
@Suite("CLI serve and tokens", .boundedParallelism, .timeLimit(.minutes(10)))
struct CLIServeTests {
    @Test("tokens create prints a token once; serve accepts it until tokens revoke, from the next request on")
    func serveWithTokens() async throws {
        try await CLIDatabase.with { database, client in
            #expect(try await CLIProcess.run(["migrate"] + database.arguments).succeeded)
            let created = try await CLIProcess.run(
                ["tokens", "create", "--owner", "alice", "--label", "phone"] + database.arguments)
            #expect(created.succeeded, "\(created)")
            let token = created.trimmedStdout
            #expect(token.hasPrefix("cvy_"), "\(created)")
            #expect(!created.stderr.contains(token))

            let listed = try await CLIProcess.run(["tokens", "list"] + database.arguments)
            #expect(listed.stdout.contains("alice"), "\(listed)")
            #expect(listed.stdout.contains("phone"), "\(listed)")
            #expect(!listed.stdout.contains(token))

            let port = try await freeLoopbackPort()
            let artifacts = FileManager.default.temporaryDirectory.appendingPathComponent("conveyor-serve-\(UUID())")
            defer { try? FileManager.default.removeItem(at: artifacts) }
            let server = try CLIProcess(
                ["serve", "--port", "\(port)", "--artifacts", artifacts.path] + database.arguments,
                environment: ["CONVEYOR_SIGNING_KEY": "cli-serve-test-signing-key-0123456789"])
            defer { server.killIfRunning() }
            let base = "http://127.0.0.1:\(port)"
            try await waitUntil("the service is ready") { (try? await Self.get("\(base)/readyz").status) == .ok }

            var create = HTTPClientRequest(url: "\(base)/v1/jobs")
            create.method = .POST
            create.headers.add(name: "Authorization", value: "Bearer \(token)")
            create.headers.add(name: "Content-Type", value: "application/json")
            create.body = .bytes(ByteBuffer(string: #"{"kind": "sleep", "input": {"ms": 1}}"#))
            let response = try await HTTPClient.shared.execute(create, timeout: .seconds(30))
            #expect(response.status == .created)
            let body = try await response.body.collect(upTo: 1 << 20)
            let job = try JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any]
            let id = try #require(job?["id"] as? Int)
            #expect(try await client.job(JobID(Int64(id)))?.owner == "alice")
            #expect(try await Self.get("\(base)/v1/jobs", token: token).status == .ok)

            let revoked = try await CLIProcess.run(["tokens", "revoke", token] + database.arguments)
            #expect(revoked.succeeded, "\(revoked)")
            #expect(try await Self.get("\(base)/v1/jobs", token: token).status == .unauthorized)

            server.signal(SIGTERM)
            let result = try await server.waitForExit()
            #expect(result.succeeded, "\(result)")
            #expect(!result.stderr.contains(token))
        }
    }

    @Test("bad token commands say what to fix on one line")
    func badInput() async throws {
        try await CLIDatabase.with { database, _ in
            #expect(try await CLIProcess.run(["migrate"] + database.arguments).succeeded)
            let role = try await CLIProcess.run(
                ["tokens", "create", "--owner", "a", "--role", "root"] + database.arguments)
            #expect(!role.succeeded)
            #expect(role.stderrLines.count == 1, "\(role)")
            #expect(role.stderr.contains("owner or admin"), "\(role)")
            let missing = try await CLIProcess.run(["tokens", "revoke", "424242"] + database.arguments)
            #expect(!missing.succeeded)
            #expect(missing.stderrLines == ["conveyor: no unrevoked token matches '424242'"], "\(missing)")
            let port = try await CLIProcess.run(["serve", "--port", "70000"] + database.arguments)
            #expect(!port.succeeded)
            #expect(port.stderr.contains("--port"), "\(port)")
            // Artifact URLs cannot be signed without a key: serve refuses to start, saying how to give one.
            let unsigned = try await CLIProcess.run(["serve", "--port", "0"] + database.arguments)
            #expect(!unsigned.succeeded)
            #expect(unsigned.stderrLines.count == 1, "\(unsigned)")
            #expect(unsigned.stderr.contains("--signing-key"), "\(unsigned)")
            #expect(unsigned.stderr.contains("CONVEYOR_SIGNING_KEY"), "\(unsigned)")
            let short = try await CLIProcess.run(
                ["serve", "--port", "0", "--signing-key", "too-short"] + database.arguments)
            #expect(!short.succeeded)
            #expect(short.stderrLines.count == 1, "\(short)")
            #expect(short.stderr.contains("at least 32"), "\(short)")
        }
    }

    static func get(_ url: String, token: String? = nil) async throws -> HTTPClientResponse {
        var request = HTTPClientRequest(url: url)
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        return try await HTTPClient.shared.execute(request, timeout: .seconds(10))
    }
}
