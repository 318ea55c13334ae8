import Conveyor
import ConveyorBuiltins
import ConveyorTesting
import Foundation
import NIOHTTP1
import Testing

/// The `http` task against a real HTTP server on 127.0.0.1.
@Suite("Built-in http task", .boundedParallelism, .timeLimit(.minutes(10)))
struct HTTPTaskTests {
    /// The input of an `http` task, as JSON text.
    static func input(_ task: HTTPTask) throws -> String {
        String(decoding: try JSONEncoder().encode(task), as: UTF8.self)
    }

    /// Runs a worker with the built-ins until the task reaches one of `states`.
    static func run(
        _ client: ConveyorClient, _ id: TaskID, until states: Set<TaskState>, allowedHosts: [String] = ["127.0.0.1"],
        maximumResultBodyBytes: Int = 65_536
    ) async throws -> TaskSnapshot {
        try await run(
            client, [id], until: states, allowedHosts: allowedHosts, maximumResultBodyBytes: maximumResultBodyBytes
        )[0]
    }

    /// Runs a worker with the built-ins until every task reaches one of `states`.
    static func run(
        _ client: ConveyorClient, _ ids: [TaskID], until states: Set<TaskState>,
        allowedHosts: [String] = ["127.0.0.1"], maximumResultBodyBytes: Int = 65_536
    ) async throws -> [TaskSnapshot] {
        try await withBuiltins(allowedHosts: allowedHosts, maximumResultBodyBytes: maximumResultBodyBytes) {
            registry in
            let worker = try Worker(client: client, registry: registry, configuration: .builtins(), logger: .test())
            try await withRunningWorker(worker) {
                try await waitUntil("tasks \(ids) reach \(states.map(\.rawValue).sorted())") {
                    for id in ids {
                        guard let task = try await client.task(id), states.contains(task.state) else { return false }
                    }
                    return true
                }
            }
        }
        var tasks: [TaskSnapshot] = []
        for id in ids { tasks.append(try #require(try await client.task(id))) }
        return tasks
    }

    @Test(
        "a 2xx answer completes the task with status and body; method, headers and body are sent",
        arguments: TestDriver.allCases)
    func completes(driver: TestDriver) async throws {
        try await driver.withDatabase { client in
            try await TestHTTPServer.with({ _, _ in TestResponse(status: .created, body: "made it") }) { server in
                let job = try await client.enqueue(
                    NewTask(
                        kind: "http",
                        input: try Self.input(
                            HTTPTask(
                                method: "post", url: server.url("/hooks?x=1"), headers: ["X-Trace": "abc"],
                                body: #"{"id":7}"#))))
                let task = try await Self.run(client, job.taskIDs[0], until: [.completed, .discarded])
                #expect(task.state == .completed, "\(task.errors)")
                let result = try JSONDecoder().decode(HTTPTaskResult.self, from: Data(try #require(task.result).utf8))
                #expect(result == HTTPTaskResult(status: 201, body: "made it"))
                #expect(task.result?.contains("bodyTruncated") == false)

                let request = try #require(server.requests.first)
                #expect(server.requests.count == 1)
                #expect(request.method == .POST)
                #expect(request.uri == "/hooks?x=1")
                #expect(request.headers.first(name: "x-trace") == "abc")
                #expect(request.body == #"{"id":7}"#)
            }
        }
    }

    @Test("a 503 answer is retried, and the next attempt completes", arguments: TestDriver.allCases)
    func retries503(driver: TestDriver) async throws {
        try await driver.withDatabase { client in
            let responder: TestHTTPServer.Responder = { _, earlier in
                earlier == 0
                    ? TestResponse(status: .serviceUnavailable, body: "warming up")
                    : TestResponse(status: .ok, body: "ok")
            }
            try await TestHTTPServer.with(responder) { server in
                let job = try await client.enqueue(
                    NewTask(kind: "http", input: try Self.input(HTTPTask(url: server.url("/flaky")))))
                let task = try await Self.run(client, job.taskIDs[0], until: [.completed, .discarded])
                #expect(task.state == .completed)
                #expect(task.attempt == 2)
                #expect(task.errors.count == 1)
                #expect(task.errors.first?.error.contains("answered 503 Service Unavailable: warming up") == true)
                #expect(server.requests.count == 2)
            }
        }
    }

    @Test("a 404 answer discards the task with the status in the reason", arguments: TestDriver.allCases)
    func discards404(driver: TestDriver) async throws {
        try await driver.withDatabase { client in
            try await TestHTTPServer.with({ _, _ in TestResponse(status: .notFound, body: "no such hook") }) { server in
                let job = try await client.enqueue(
                    NewTask(kind: "http", input: try Self.input(HTTPTask(method: "DELETE", url: server.url("/gone")))))
                let task = try await Self.run(client, job.taskIDs[0], until: [.completed, .discarded])
                #expect(task.state == .discarded)
                #expect(task.attempt == 1)
                let reason = try #require(task.errors.last?.error)
                #expect(
                    reason.contains("DELETE 127.0.0.1:\(server.port) answered 404 Not Found: no such hook"), "\(reason)"
                )
                #expect(server.requests.count == 1)
            }
        }
    }

    @Test(
        "429 and 503 with Retry-After retry at the time the server names",
        arguments: [
            (HTTPResponseStatus.tooManyRequests, "3600"),
            (HTTPResponseStatus.serviceUnavailable, Self.httpDate(Date().addingTimeInterval(3600))),
        ])
    func honoursRetryAfter(status: HTTPResponseStatus, retryAfter: String) async throws {
        try await TestDriver.postgres.withDatabase { client in
            let responder: TestHTTPServer.Responder = { _, _ in
                TestResponse(status: status, headers: [("Retry-After", retryAfter)], body: "slow down")
            }
            try await TestHTTPServer.with(responder) { server in
                let job = try await client.enqueue(
                    NewTask(kind: "http", input: try Self.input(HTTPTask(url: server.url("/limited")))))
                let task = try await Self.run(client, job.taskIDs[0], until: [.retryable, .discarded])
                #expect(task.state == .retryable)
                #expect(task.attempt == 1)
                // The default backoff would retry within seconds; the server asked for an hour.
                #expect(task.runAt > Date().addingTimeInterval(3000), "run at \(task.runAt)")
                let reason = try #require(task.errors.last?.error)
                #expect(reason.contains("answered \(status.code)") && reason.contains("Retry-After"), "\(reason)")
                #expect(server.requests.count == 1)
            }
        }
    }

    @Test("a host not on the allow-list is discarded and the server sees no request", arguments: TestDriver.allCases)
    func refusesHostNotAllowed(driver: TestDriver) async throws {
        try await driver.withDatabase { client in
            try await TestHTTPServer.with({ _, _ in TestResponse(status: .ok) }) { server in
                let job = try await client.enqueue(
                    NewTask(kind: "http", input: try Self.input(HTTPTask(url: server.url("/secret")))))
                let task = try await Self.run(
                    client, job.taskIDs[0], until: [.completed, .discarded],
                    allowedHosts: ["localhost", "*.example.com"])
                #expect(task.state == .discarded)
                #expect(task.attempt == 1)
                let reason = try #require(task.errors.last?.error)
                #expect(
                    reason.contains("host '127.0.0.1:\(server.port)' is not on this worker's allow-list"), "\(reason)")
                #expect(reason.contains("localhost, *.example.com"), "\(reason)")
                #expect(server.requests.isEmpty)
            }
        }
    }

    @Test(
        "invalid input is discarded with a reason before any request",
        arguments: [
            (#"{"url": "not a url at all"}"#, "not a valid absolute URL"),
            (#"{"url": "ftp://127.0.0.1/file"}"#, "scheme 'ftp' is not supported"),
            (#"{"method": "FETCH", "url": "http://127.0.0.1:PORT/"}"#, "method 'FETCH' is not one of"),
            (#"{"url": "http://127.0.0.1:PORT/", "headers": {"Bad Header": "x"}}"#, "header name 'Bad Header'"),
            (#"{"url": "http://127.0.0.1:PORT/", "timeoutMs": 0}"#, "timeoutMs must be between"),
            (#"{"method": "GET"}"#, "could not be decoded"),
        ])
    func discardsInvalidInput(input: String, reason: String) async throws {
        try await TestDriver.postgres.withDatabase { client in
            try await TestHTTPServer.with({ _, _ in TestResponse(status: .ok) }) { server in
                let job = try await client.enqueue(
                    NewTask(kind: "http", input: input.replacingOccurrences(of: "PORT", with: "\(server.port)")))
                let task = try await Self.run(client, job.taskIDs[0], until: [.completed, .discarded])
                #expect(task.state == .discarded)
                #expect(task.errors.last?.error.contains(reason) == true, "\(task.errors)")
                #expect(server.requests.isEmpty)
            }
        }
    }

    @Test("a long body is cut at the configured size and the result says so")
    func capsBody() async throws {
        try await TestDriver.postgres.withDatabase { client in
            let long = String(repeating: "0123456789", count: 10_000)
            try await TestHTTPServer.with({ _, _ in TestResponse(status: .ok, body: long) }) { server in
                let job = try await client.enqueue(
                    NewTask(kind: "http", input: try Self.input(HTTPTask(url: server.url("/big")))))
                let task = try await Self.run(
                    client, job.taskIDs[0], until: [.completed, .discarded], maximumResultBodyBytes: 1000)
                #expect(task.state == .completed)
                let result = try JSONDecoder().decode(HTTPTaskResult.self, from: Data(try #require(task.result).utf8))
                #expect(result.body == String(long.prefix(1000)))
                #expect(result.bodyTruncated)
            }
        }
    }

    @Test("a redirect is not followed: the task is discarded naming the target")
    func doesNotFollowRedirects() async throws {
        try await TestDriver.postgres.withDatabase { client in
            let responder: TestHTTPServer.Responder = { _, _ in
                TestResponse(status: .found, headers: [("Location", "http://localhost:9/elsewhere")])
            }
            try await TestHTTPServer.with(responder) { server in
                let job = try await client.enqueue(
                    NewTask(kind: "http", input: try Self.input(HTTPTask(url: server.url("/moved")))))
                let task = try await Self.run(client, job.taskIDs[0], until: [.completed, .discarded])
                #expect(task.state == .discarded)
                let reason = try #require(task.errors.last?.error)
                #expect(reason.contains("302") && reason.contains("http://localhost:9/elsewhere"), "\(reason)")
                #expect(server.requests.count == 1)
            }
        }
    }

    @Test("network errors and timeouts are retried until attempts run out")
    func retriesNetworkErrors() async throws {
        try await TestDriver.postgres.withDatabase { client in
            let closedPort = try await freeLoopbackPort()
            try await TestHTTPServer.with({ _, _ in nil }) { server in
                let refused = try await client.enqueue(
                    NewTask(
                        kind: "http",
                        input: try Self.input(HTTPTask(url: "http://127.0.0.1:\(closedPort)/", timeoutMs: 300)),
                        maxAttempts: 2))
                let silent = try await client.enqueue(
                    NewTask(
                        kind: "http", input: try Self.input(HTTPTask(url: server.url("/silent"), timeoutMs: 200)),
                        maxAttempts: 2))
                let tasks = try await Self.run(
                    client, [refused.taskIDs[0], silent.taskIDs[0]], until: [.completed, .discarded])
                let (refusedTask, silentTask) = (tasks[0], tasks[1])
                #expect(refusedTask.state == .discarded)
                #expect(refusedTask.errors.count == 2)
                // Refused at once, or (on a loaded machine) still retrying the connection at the deadline.
                #expect(
                    refusedTask.errors.allSatisfy {
                        $0.error.hasPrefix("GET 127.0.0.1:\(closedPort) ")
                            && ($0.error.contains("failed") || $0.error.contains("no answer within"))
                    }, "\(refusedTask.errors)")

                #expect(silentTask.state == .discarded)
                #expect(silentTask.errors.count == 2)
                #expect(
                    silentTask.errors.allSatisfy { $0.error.contains("no answer within 200ms") }, "\(silentTask.errors)"
                )
            }
        }
    }

    static func httpDate(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return formatter.string(from: date)
    }
}
