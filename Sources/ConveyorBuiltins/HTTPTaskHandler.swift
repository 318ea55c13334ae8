import AsyncHTTPClient
import Conveyor
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// Runs `http` tasks: checks the input and the host before any request, then maps the answer to
/// an outcome (see ``HTTPTask``).
struct HTTPTaskHandler: Sendable {
    static let methods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]

    let configuration: HTTPTaskConfiguration

    /// A checked request: nothing reaches the network before every check has passed.
    struct Target {
        var method: HTTPMethod
        var url: URL
        /// `host` or `host:port`, for messages; never the path or query, which may hold secrets.
        var endpoint: String
        var timeout: Duration
    }

    func run(_ task: HTTPTask, context: TaskContext) async throws -> HTTPTaskResult {
        let target = try check(task)
        var request = HTTPClientRequest(url: target.url.absoluteString)
        request.method = target.method
        for (name, value) in task.headers.sorted(by: { $0.key < $1.key }) {
            request.headers.add(name: name, value: value)
        }
        if let body = task.body {
            request.body = .bytes(ByteBuffer(string: body))
        }
        let label = "\(target.method.rawValue) \(target.endpoint)"
        context.logger.debug("http request", metadata: ["endpoint": "\(target.endpoint)"])

        let response: HTTPClientResponse
        do {
            response = try await configuration.client.execute(
                request, timeout: .nanoseconds(Int64(target.timeout.seconds * 1e9)), logger: context.logger)
        } catch let error as HTTPClientError where error == .deadlineExceeded {
            throw HTTPTaskFailure("\(label) got no answer within \(Self.format(target.timeout))")
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw HTTPTaskFailure("\(label) failed: \(error)")
        }
        if response.history.count > 1, let final = response.url, let host = final.host,
            !configuration.allowedHosts.allows(host: host, port: final.port ?? Self.defaultPort(final))
        {
            throw TaskDiscard(
                "\(label) was redirected to host '\(host)', which is not allowed; use an HTTP client that does not follow redirects"
            )
        }

        let (body, truncated) = try await read(response.body, limit: configuration.maximumResultBodyBytes)
        let status = Int(response.status.code)
        let answered = "\(label) answered \(status) \(response.status.reasonPhrase)"
        switch status {
        case 200..<300:
            return HTTPTaskResult(status: status, body: body, bodyTruncated: truncated)
        case 429, 503:
            if let delay = retryAfter(response.headers) {
                throw TaskRetry(after: delay, reason: "\(answered); Retry-After \(Self.format(delay))")
            }
            throw HTTPTaskFailure(answered + Self.snippet(body))
        case 500..<600:
            throw HTTPTaskFailure(answered + Self.snippet(body))
        case 300..<400:
            let location = response.headers.first(name: "location").map { " to \($0)" } ?? ""
            throw TaskDiscard("\(answered) (a redirect\(location)); redirects are not followed")
        default:
            throw TaskDiscard(answered + Self.snippet(body))
        }
    }

    /// Every check that can refuse a task without a request: method, URL, host, headers, timeout.
    func check(_ task: HTTPTask) throws -> Target {
        let method = task.method.uppercased()
        guard Self.methods.contains(method) else {
            throw TaskDiscard(
                "method '\(task.method)' is not one of \(Self.methods.joined(separator: ", "))")
        }
        guard let url = URL(string: task.url), let scheme = url.scheme?.lowercased() else {
            throw TaskDiscard("url is not a valid absolute URL; give one such as https://api.example.com/path")
        }
        guard scheme == "http" || scheme == "https" else {
            throw TaskDiscard("url scheme '\(scheme)' is not supported; use http or https")
        }
        guard let host = url.host, !host.isEmpty else {
            throw TaskDiscard("url has no host; give one such as https://api.example.com/path")
        }
        let port = url.port ?? Self.defaultPort(url)
        let endpoint = url.port.map { "\(host):\($0)" } ?? host
        guard configuration.allowedHosts.allows(host: host, port: port) else {
            let allowed =
                configuration.allowedHosts.isEmpty
                ? "the allow-list is empty" : "allowed: \(configuration.allowedHosts)"
            throw TaskDiscard("host '\(endpoint)' is not on this worker's allow-list for http tasks (\(allowed))")
        }
        for (name, value) in task.headers {
            guard !name.isEmpty, name.utf8.allSatisfy(Self.isTokenByte) else {
                throw TaskDiscard("header name '\(name)' is not a valid HTTP header name")
            }
            guard !value.utf8.contains(where: { $0 == 0x0D || $0 == 0x0A || $0 == 0 }) else {
                throw TaskDiscard("header '\(name)' has a line break in its value")
            }
        }
        var timeout = configuration.defaultTimeout
        if let milliseconds = task.timeoutMs {
            timeout = .milliseconds(milliseconds)
            guard milliseconds > 0, timeout <= configuration.maximumTimeout else {
                throw TaskDiscard(
                    "timeoutMs must be between 1 and \(Int(configuration.maximumTimeout.seconds * 1000)), got \(milliseconds)"
                )
            }
        }
        return Target(method: HTTPMethod(rawValue: method), url: url, endpoint: endpoint, timeout: timeout)
    }

    /// Reads at most `limit` bytes of the body; stops reading (and drops the connection) past it.
    private func read(_ body: HTTPClientResponse.Body, limit: Int) async throws -> (String, Bool) {
        var buffer = ByteBuffer()
        var truncated = false
        do {
            for try await chunk in body {
                let room = limit - buffer.readableBytes
                if chunk.readableBytes > room {
                    buffer.writeImmutableBuffer(chunk.getSlice(at: chunk.readerIndex, length: room) ?? ByteBuffer())
                    truncated = true
                    break
                }
                buffer.writeImmutableBuffer(chunk)
            }
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw HTTPTaskFailure("reading the answer failed: \(error)")
        }
        return (String(decoding: buffer.readableBytesView, as: UTF8.self), truncated)
    }

    /// `Retry-After` as seconds or an HTTP date, capped at ``HTTPTaskConfiguration/maximumRetryAfter``.
    private func retryAfter(_ headers: HTTPHeaders) -> Duration? {
        guard let value = headers.first(name: "retry-after")?.trimmingCharacters(in: .whitespaces) else {
            return nil
        }
        var delay: Duration
        if let seconds = Int(value), seconds >= 0 {
            delay = .seconds(seconds)
        } else if let date = Self.httpDate(value) {
            delay = .seconds(max(0, date.timeIntervalSinceNow.rounded(.up)))
        } else {
            return nil
        }
        return min(delay, configuration.maximumRetryAfter)
    }

    private static func httpDate(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return formatter.date(from: text)
    }

    private static func defaultPort(_ url: URL) -> Int {
        url.scheme?.lowercased() == "https" ? 443 : 80
    }

    /// RFC 9110 `tchar`.
    private static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }

    /// The start of a body, on one line, for an error message.
    private static func snippet(_ body: String) -> String {
        let line = body.prefix(200).map { $0.isNewline ? " " : $0 }
        let text = String(line).trimmingCharacters(in: .whitespaces)
        guard !text.isEmpty else { return "" }
        return ": " + text + (body.count > 200 ? "…" : "")
    }

    private static func format(_ duration: Duration) -> String {
        let seconds = duration.seconds
        if seconds < 1 { return "\(Int((seconds * 1000).rounded()))ms" }
        if seconds == seconds.rounded() { return "\(Int(seconds))s" }
        return "\(seconds)s"
    }
}
