import Foundation

@testable import ConveyorService

/// Checks answers against the service's OpenAPI document: the status must be documented for the
/// operation, and a JSON body must match the documented schema (the subset of JSON Schema the
/// document uses: `$ref`, `type` (one or several), `properties`, `required`,
/// `additionalProperties: false`, `items`, `enum`, `oneOf`, `minimum`/`maximum`, `minItems`,
/// `format: date-time`).
struct OpenAPIValidator {
    let document: JSONValue

    init() throws {
        document = try JSONDecoder().decode(JSONValue.self, from: OpenAPIDocument.data)
    }

    /// Problems found, empty when the answer conforms.
    func problems(method: String, path: String, status: Int, body: JSONValue?) -> [String] {
        guard let (template, item) = pathItem(for: path) else { return ["\(path) is not a documented path"] }
        guard case .object(let operation)? = item[method.lowercased()] else {
            return ["\(method) \(template) is not documented"]
        }
        guard case .object(let responses)? = operation["responses"] else { return ["no responses"] }
        guard let documented = responses[String(status)] ?? responses["default"] else {
            return ["\(method) \(template) does not document status \(status)"]
        }
        let response = resolve(documented)
        guard case .object(let content)? = response["content"], case .object(let json)? = content["application/json"],
            let schema = json["schema"]
        else { return [] }
        guard let body else { return ["\(method) \(template) \(status): a JSON body is documented, none came"] }
        return validate(body, against: schema, at: "$")
    }

    private func pathItem(for path: String) -> (String, [String: JSONValue])? {
        guard case .object(let paths)? = object(document)["paths"] else { return nil }
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        for (template, item) in paths {
            let templateParts = template.split(separator: "/", omittingEmptySubsequences: false)
            guard templateParts.count == parts.count else { continue }
            let matches = zip(templateParts, parts).allSatisfy { t, p in
                (t.hasPrefix("{") && t.hasSuffix("}") && !p.isEmpty) || t == p
            }
            if matches, case .object(let object) = item { return (template, object) }
        }
        return nil
    }

    private func object(_ value: JSONValue) -> [String: JSONValue] {
        if case .object(let object) = value { return object }
        return [:]
    }

    /// Follows `$ref`s within the document.
    private func resolve(_ value: JSONValue) -> [String: JSONValue] {
        var current = object(value)
        while case .string(let ref)? = current["$ref"], ref.hasPrefix("#/") {
            var node = document
            for part in ref.dropFirst(2).split(separator: "/") { node = object(node)[String(part)] ?? .null }
            current = object(node)
        }
        return current
    }

    func validate(_ value: JSONValue, against schemaValue: JSONValue, at path: String) -> [String] {
        let schema = resolve(schemaValue)
        var problems: [String] = []
        if case .array(let options)? = schema["oneOf"] {
            let matching = options.filter { validate(value, against: $0, at: path).isEmpty }
            if matching.count != 1 { problems.append("\(path): matches \(matching.count) of oneOf, not 1") }
        }
        if let type = schema["type"] {
            let allowed: [String]
            switch type {
            case .string(let name): allowed = [name]
            case .array(let names): allowed = names.compactMap { if case .string(let n) = $0 { n } else { nil } }
            default: allowed = []
            }
            guard allowed.contains(where: { Self.value(value, is: $0) }) else {
                return problems + ["\(path): \(value.typeName) is not \(allowed.joined(separator: " or "))"]
            }
        }
        if case .array(let options)? = schema["enum"], !options.contains(value) {
            problems.append("\(path): \(value) is not one of the enum")
        }
        if case .string("date-time")? = schema["format"], case .string(let text) = value,
            CreateJobRequest.parseDate(text) == nil
        {
            problems.append("\(path): '\(text)' is not a date-time")
        }
        if let number = Self.number(value) {
            if let minimum = schema["minimum"].flatMap(Self.number), number < minimum {
                problems.append("\(path): \(number) < \(minimum)")
            }
            if let maximum = schema["maximum"].flatMap(Self.number), number > maximum {
                problems.append("\(path): \(number) > \(maximum)")
            }
        }
        switch value {
        case .object(let fields):
            let properties = object(schema["properties"] ?? .null)
            if case .array(let required)? = schema["required"] {
                for case .string(let name) in required where fields[name] == nil {
                    problems.append("\(path): missing '\(name)'")
                }
            }
            for (name, field) in fields {
                if let property = properties[name] {
                    problems += validate(field, against: property, at: "\(path).\(name)")
                } else if case .bool(false)? = schema["additionalProperties"] {
                    problems.append("\(path): undocumented field '\(name)'")
                }
            }
        case .array(let items):
            if let minimum = schema["minItems"].flatMap(Self.number), Double(items.count) < minimum {
                problems.append("\(path): fewer than \(minimum) items")
            }
            if let itemSchema = schema["items"] {
                for (index, item) in items.enumerated() {
                    problems += validate(item, against: itemSchema, at: "\(path)[\(index)]")
                }
            }
        default: break
        }
        return problems
    }

    static func value(_ value: JSONValue, is type: String) -> Bool {
        switch (type, value) {
        case ("null", .null), ("boolean", .bool), ("integer", .integer), ("number", .integer), ("number", .number),
            ("string", .string), ("array", .array), ("object", .object):
            true
        default: false
        }
    }

    static func number(_ value: JSONValue) -> Double? {
        switch value {
        case .integer(let n): Double(n)
        case .number(let n): n
        default: nil
        }
    }
}
