import Foundation
import Hummingbird
import NIOCore

/// Reads a JSON request body under the service's limits: its size (413), valid UTF-8, well-formed
/// JSON and a bounded nesting depth (400 naming what is wrong), before any decoding.
enum RequestBody {
    static func json(
        _ request: Request, maxBytes: Int, maxDepth: Int
    ) async throws -> JSONValue {
        if let length = request.headers[.contentLength].flatMap(Int.init), length > maxBytes {
            throw tooLarge(maxBytes)
        }
        var request = request
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: maxBytes)
        } catch is NIOTooManyBytesError {
            throw tooLarge(maxBytes)
        }
        let bytes = Array(buffer.readableBytesView)
        return try parse(bytes, maxDepth: maxDepth)
    }

    /// Checks and parses the bytes of a JSON body.
    static func parse(_ bytes: [UInt8], maxDepth: Int) throws -> JSONValue {
        guard !bytes.isEmpty else {
            throw APIError.badRequest("invalid_json", "the request body is empty: send a JSON object")
        }
        guard String(validating: bytes, as: UTF8.self) != nil else {
            throw APIError.badRequest("invalid_utf8", "the request body is not valid UTF-8")
        }
        if let depth = nestingDepthExceeding(maxDepth, in: bytes) {
            throw APIError.badRequest(
                "too_deep", "the request body nests arrays and objects \(depth) deep; at most \(maxDepth) is allowed")
        }
        let value: JSONValue
        do {
            value = try JSONDecoder().decode(JSONValue.self, from: Data(bytes))
        } catch {
            throw APIError.badRequest("invalid_json", "the request body is not well-formed JSON")
        }
        if containsNUL(value) {
            throw APIError.badRequest("invalid_json", "strings in the request body must not contain NUL (\\u0000)")
        }
        return value
    }

    /// Whether a string or key holds U+0000, which PostgreSQL cannot store in text or jsonb.
    static func containsNUL(_ value: JSONValue) -> Bool {
        switch value {
        case .string(let text): text.unicodeScalars.contains("\u{0}")
        case .array(let items): items.contains(where: containsNUL)
        case .object(let fields):
            fields.contains { key, field in key.unicodeScalars.contains("\u{0}") || containsNUL(field) }
        case .null, .bool, .integer, .number: false
        }
    }

    /// The depth reached, when the bytes nest deeper than `limit` (outside strings); nil otherwise.
    /// A linear scan, so a hostile body cannot make the parser recurse deeply.
    static func nestingDepthExceeding(_ limit: Int, in bytes: [UInt8]) -> Int? {
        var depth = 0
        var inString = false
        var escaped = false
        for byte in bytes {
            if inString {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                depth += 1
                if depth > limit { return depth }
            case UInt8(ascii: "]"), UInt8(ascii: "}"): depth -= 1
            default: break
            }
        }
        return nil
    }

    static func tooLarge(_ maxBytes: Int) -> APIError {
        APIError(
            .contentTooLarge, code: "payload_too_large",
            "the request body is larger than the limit of \(maxBytes) bytes")
    }
}
