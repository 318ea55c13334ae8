import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A request the test server received.
struct RecordedRequest: Sendable {
    var method: HTTPMethod
    var uri: String
    var headers: HTTPHeaders
    var body: String
}

/// What the test server answers; nil from a responder means "never answer".
struct TestResponse: Sendable {
    var status: HTTPResponseStatus
    var headers: [(String, String)] = []
    var body: String = ""
}

/// A real HTTP/1.1 server on 127.0.0.1 and a free port, run in-process with NIOHTTP1.
///
/// Every answer closes its connection, so no connection outlives the test. The responder gets
/// each request and how many requests for the same path came before it.
final class TestHTTPServer: Sendable {
    typealias Responder = @Sendable (_ request: RecordedRequest, _ earlierForPath: Int) -> TestResponse?

    let port: Int
    private let recorded = Mutex<[RecordedRequest]>([])

    private init(port: Int) { self.port = port }

    /// Everything received so far, in order.
    var requests: [RecordedRequest] { recorded.withLock { $0 } }

    /// `http://127.0.0.1:PORT` followed by `path`.
    func url(_ path: String) -> String { "http://127.0.0.1:\(port)\(path)" }

    /// Runs a server answering with `respond` while `body` runs.
    static func with<T: Sendable>(
        _ respond: @escaping Responder,
        _ body: (TestHTTPServer) async throws -> T
    ) async throws -> T {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: "127.0.0.1", port: 0) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    return try NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>(
                        wrappingChannelSynchronously: channel)
                }
            }
        let server = TestHTTPServer(port: channel.channel.localAddress?.port ?? 0)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await withThrowingDiscardingTaskGroup { connections in
                    try await channel.executeThenClose { inbound in
                        for try await connection in inbound {
                            connections.addTask { try? await server.serve(connection, respond) }
                        }
                    }
                }
            }
            defer {
                group.cancelAll()
                channel.channel.close(promise: nil)
            }
            return try await body(server)
        }
    }

    private func serve(
        _ connection: NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>, _ respond: Responder
    ) async throws {
        try await connection.executeThenClose { inbound, outbound in
            var head: HTTPRequestHead?
            var body = ByteBuffer()
            for try await part in inbound {
                switch part {
                case .head(let received):
                    head = received
                    body.clear()
                case .body(var chunk):
                    body.writeBuffer(&chunk)
                case .end:
                    guard let head else { return }
                    let request = RecordedRequest(
                        method: head.method, uri: head.uri, headers: head.headers,
                        body: String(buffer: body))
                    let earlier = recorded.withLock { requests in
                        defer { requests.append(request) }
                        return requests.count(where: { Self.path($0.uri) == Self.path(request.uri) })
                    }
                    // No answer: keep the connection open until the client gives up.
                    guard let response = respond(request, earlier) else { continue }
                    var headers = HTTPHeaders(response.headers)
                    headers.replaceOrAdd(name: "content-length", value: "\(response.body.utf8.count)")
                    headers.replaceOrAdd(name: "connection", value: "close")
                    try await outbound.write(
                        .head(HTTPResponseHead(version: .http1_1, status: response.status, headers: headers)))
                    try await outbound.write(.body(.byteBuffer(ByteBuffer(string: response.body))))
                    try await outbound.write(.end(nil))
                    return
                }
            }
        }
    }

    private static func path(_ uri: String) -> Substring {
        uri.prefix { $0 != "?" }
    }
}
