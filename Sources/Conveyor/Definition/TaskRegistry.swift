package import Foundation

/// The handlers a worker can run, by task kind.
///
/// Typed handlers are erased here, in one place, into closures over JSON text, so the runtime
/// never sees the input types.
public struct TaskRegistry: Sendable {
    /// A handler erased to JSON in, JSON out.
    package struct Handler: Sendable {
        package var kind: String
        package var retryPolicy: RetryPolicy?
        package var timeout: Duration?
        package var run: @Sendable (_ input: String, _ context: TaskContext) async throws -> String?
    }

    package private(set) var handlers: [String: Handler] = [:]

    public init() {}

    /// The kinds registered, sorted.
    public var kinds: [String] { handlers.keys.sorted() }

    /// Registers a handler for a typed task. A kind registered twice stops the program: it is a bug.
    public mutating func register<T: TaskDefinition>(
        _ type: T.Type,
        handler: @escaping @Sendable (T, TaskContext) async throws -> Void
    ) {
        add(
            Handler(kind: T.name, retryPolicy: T.retryPolicy, timeout: T.timeout) { json, context in
                try await handler(try Self.decode(T.self, from: json), context)
                return nil
            }
        )
    }

    /// Registers a handler whose return value is stored as the task's result.
    public mutating func register<T: TaskDefinition, Output: Encodable & Sendable>(
        _ type: T.Type,
        handler: @escaping @Sendable (T, TaskContext) async throws -> Output
    ) {
        add(
            Handler(kind: T.name, retryPolicy: T.retryPolicy, timeout: T.timeout) { json, context in
                let output = try await handler(try Self.decode(T.self, from: json), context)
                return try Self.encodeResult(output)
            }
        )
    }

    /// Registers an untyped handler over JSON text, for kinds defined outside Swift types.
    ///
    /// A result that is not valid JSON discards the task with that reason.
    public mutating func register(
        kind: String,
        retryPolicy: RetryPolicy? = nil,
        timeout: Duration? = nil,
        handler: @escaping @Sendable (_ inputJSON: String, TaskContext) async throws -> String?
    ) {
        add(
            Handler(kind: kind, retryPolicy: retryPolicy, timeout: timeout) { input, context in
                guard let output = try await handler(input, context) else { return nil }
                guard
                    (try? JSONSerialization.jsonObject(with: Data(output.utf8), options: .fragmentsAllowed)) != nil
                else {
                    throw TaskDiscard("the handler of \(kind) returned a result that is not valid JSON")
                }
                return output
            }
        )
    }

    /// Adds every handler of another registry.
    public mutating func merge(_ other: TaskRegistry) {
        for handler in other.handlers.values { add(handler) }
    }

    package func handler(for kind: String) -> Handler? { handlers[kind] }

    private mutating func add(_ handler: Handler) {
        precondition(handlers[handler.kind] == nil, "task kind '\(handler.kind)' is registered twice")
        handlers[handler.kind] = handler
    }

    private static func decode<T: Decodable>(_ type: T.Type, from json: String) throws -> T {
        do {
            return try JSONDecoder.conveyor.decode(T.self, from: Data(json.utf8))
        } catch {
            throw UndecodableInput(kind: String(describing: T.self), detail: Self.describe(error))
        }
    }

    private static func encodeResult(_ output: some Encodable) throws -> String? {
        if output is Void || output is EmptyResult { return nil }
        return String(decoding: try JSONEncoder.conveyor.encode(output), as: UTF8.self)
    }

    private static func describe(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "\(error)" }
        switch error {
        case .keyNotFound(let key, let context):
            return "missing key '\(path(context.codingPath + [key]))'"
        case .typeMismatch(let type, let context):
            return "expected \(type) at '\(path(context.codingPath))'"
        case .valueNotFound(let type, let context):
            return "missing \(type) at '\(path(context.codingPath))'"
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty
                ? "not valid JSON" : "invalid value at '\(path(context.codingPath))'"
        @unknown default:
            return "\(error)"
        }
    }

    private static func path(_ keys: [any CodingKey]) -> String {
        keys.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
    }
}

/// A result that stores nothing.
public struct EmptyResult: Codable, Sendable, Hashable {
    public init() {}
}

extension JSONEncoder {
    /// Encodes dates as ISO 8601, keys sorted, so stored JSON is stable.
    package static let conveyor: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()
}

extension JSONDecoder {
    package static let conveyor: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }()
}
