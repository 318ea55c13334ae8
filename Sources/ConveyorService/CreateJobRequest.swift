import Conveyor
import Foundation

/// The body of `POST /v1/jobs`, checked strictly: an unknown field, a read-only field (such as
/// `owner`, `state` or `attempt`) or a value of the wrong type is a 400 that names the field.
///
/// A job is made from a kind and either explicit `tasks` (with dependencies by name), a registered
/// recipe for the kind (from `input`), or else one task of that kind with `input`. `queue`,
/// `priority`, `run_at` and `max_attempts` apply to every task that does not set its own.
struct CreateJobRequest {
    struct TaskSpec {
        var name: String?
        var kind: String
        var input: JSONValue?
        var queue: String?
        var priority: Int16?
        var runAt: Date?
        var maxAttempts: Int?
        var dependsOn: [String]
    }

    var kind: String
    var input: JSONValue?
    var tasks: [TaskSpec]?
    var queue: String?
    var priority: Int16?
    var runAt: Date?
    var maxAttempts: Int?
    var metadata: JSONValue?

    static let fields: Set<String> = [
        "kind", "input", "tasks", "queue", "priority", "run_at", "max_attempts", "metadata",
    ]
    static let taskFields: Set<String> = [
        "name", "kind", "input", "queue", "priority", "run_at", "max_attempts", "depends_on",
    ]
    /// Fields of a job or task that the service sets: naming one in a create is an error.
    static let readOnlyFields: Set<String> = [
        "id", "owner", "state", "attempt", "progress", "progress_message", "result", "errors", "last_error",
        "created_at", "attempted_at", "finished_at", "task_count", "idempotency_key", "job_id", "worker_id",
        "lease_expires_at",
    ]

    static let maxNameLength = 200
    /// The range of `run_at` every database stores.
    static let earliest = Date(timeIntervalSince1970: 0)
    static let latest = Date(timeIntervalSince1970: 253_402_300_799)

    /// Checks and reads the parsed body.
    static func parse(_ body: JSONValue, maxTasks: Int) throws -> CreateJobRequest {
        guard case .object(let object) = body else {
            throw APIError.badRequest("invalid_body", "the request body must be a JSON object, not \(body.typeName)")
        }
        try checkFields(object, allowed: fields, path: "")
        let kind = try requiredName(object, "kind", path: "")
        var request = CreateJobRequest(
            kind: kind,
            input: object["input"],
            tasks: nil,
            queue: try optionalName(object, "queue", path: ""),
            priority: try optionalPriority(object, path: ""),
            runAt: try optionalDate(object, "run_at", path: ""),
            maxAttempts: try optionalMaxAttempts(object, path: ""),
            metadata: nil
        )
        if let metadata = object["metadata"], metadata != .null {
            guard case .object = metadata else {
                throw invalid("metadata", "must be a JSON object, not \(metadata.typeName)")
            }
            request.metadata = metadata
        }
        if let tasks = object["tasks"], tasks != .null {
            guard case .array(let items) = tasks else {
                throw invalid("tasks", "must be an array of tasks, not \(tasks.typeName)")
            }
            guard !items.isEmpty else { throw invalid("tasks", "must hold at least one task") }
            guard items.count <= maxTasks else {
                throw APIError.badRequest(
                    "too_many_tasks", "the job has \(items.count) tasks; at most \(maxTasks) are allowed")
            }
            guard request.input == nil else {
                throw invalid("input", "give either input (for a one-task job or a recipe) or tasks, not both")
            }
            request.tasks = try items.enumerated().map { index, item in try parseTask(item, path: "tasks[\(index)]") }
        }
        return request
    }

    static func parseTask(_ value: JSONValue, path: String) throws -> TaskSpec {
        guard case .object(let object) = value else {
            throw invalid(path, "must be a task object, not \(value.typeName)")
        }
        try checkFields(object, allowed: taskFields, path: path + ".")
        var dependsOn: [String] = []
        if let value = object["depends_on"], value != .null {
            guard case .array(let items) = value else {
                throw invalid(path + ".depends_on", "must be an array of task names")
            }
            dependsOn = try items.enumerated().map { index, item in
                guard case .string(let name) = item, !name.isEmpty, name.count <= maxNameLength else {
                    throw invalid(
                        "\(path).depends_on[\(index)]", "must be a task name (1 to \(maxNameLength) characters)")
                }
                return name
            }
        }
        return TaskSpec(
            name: try optionalName(object, "name", path: path + "."),
            kind: try requiredName(object, "kind", path: path + "."),
            input: object["input"],
            queue: try optionalName(object, "queue", path: path + "."),
            priority: try optionalPriority(object, path: path + "."),
            runAt: try optionalDate(object, "run_at", path: path + "."),
            maxAttempts: try optionalMaxAttempts(object, path: path + "."),
            dependsOn: dependsOn
        )
    }

    /// The tasks to enqueue: explicit ones, a recipe's, or one task of the kind.
    func newTasks(recipes: JobRecipes) throws -> [NewTask] {
        let defaults = NewTask(kind: kind)
        func apply(_ task: NewTask) -> NewTask {
            var task = task
            if let queue { task.queue = queue }
            if let priority { task.priority = Priority(rawValue: priority) }
            if let runAt { task.runAt = runAt }
            if let maxAttempts { task.maxAttempts = maxAttempts }
            return task
        }
        if let tasks {
            return tasks.map { spec in
                var task = apply(NewTask(kind: spec.kind, input: (spec.input ?? .object([:])).canonicalText))
                task.name = spec.name
                task.dependsOn = spec.dependsOn
                if let queue = spec.queue { task.queue = queue }
                if let priority = spec.priority { task.priority = Priority(rawValue: priority) }
                if let runAt = spec.runAt { task.runAt = runAt }
                if let maxAttempts = spec.maxAttempts { task.maxAttempts = maxAttempts }
                return task
            }
        }
        let inputText = (input ?? .object([:])).canonicalText
        if let recipe = recipes.recipe(for: kind) {
            let made: [NewTask]
            do {
                made = try recipe(inputText)
            } catch let error as ConveyorError {
                throw APIError.badRequest("invalid_input", error.message)
            } catch let error as APIError {
                throw error
            } catch {
                throw APIError.badRequest("invalid_input", "the input does not fit the recipe of kind '\(kind)'")
            }
            return made.map(apply)
        }
        var task = apply(defaults)
        task.input = inputText
        return [task]
    }

    // MARK: Field checks

    static func checkFields(_ object: [String: JSONValue], allowed: Set<String>, path: String) throws {
        for key in object.keys.sorted() where !allowed.contains(key) {
            if readOnlyFields.contains(key) {
                throw APIError.badRequest(
                    "read_only_field", "the field '\(path)\(key)' is set by the service and cannot be given")
            }
            throw APIError.badRequest("unknown_field", "unknown field '\(path)\(key)'")
        }
    }

    static func invalid(_ field: String, _ problem: String) -> APIError {
        APIError.badRequest("invalid_field", "the field '\(field)' \(problem)")
    }

    static func requiredName(_ object: [String: JSONValue], _ key: String, path: String) throws -> String {
        guard let name = try optionalName(object, key, path: path) else {
            throw APIError.badRequest("missing_field", "the field '\(path)\(key)' is required")
        }
        return name
    }

    static func optionalName(_ object: [String: JSONValue], _ key: String, path: String) throws -> String? {
        guard let value = object[key], value != .null else { return nil }
        guard case .string(let text) = value, !text.isEmpty, text.count <= maxNameLength,
            !text.contains(where: { $0.isNewline })
        else {
            throw invalid(path + key, "must be a string of 1 to \(maxNameLength) characters on one line")
        }
        return text
    }

    static func optionalPriority(_ object: [String: JSONValue], path: String) throws -> Int16? {
        guard let value = object["priority"], value != .null else { return nil }
        guard case .integer(let number) = value, let priority = Int16(exactly: number) else {
            throw invalid(path + "priority", "must be an integer from \(Int16.min) to \(Int16.max) (lower runs first)")
        }
        return priority
    }

    static func optionalMaxAttempts(_ object: [String: JSONValue], path: String) throws -> Int? {
        guard let value = object["max_attempts"], value != .null else { return nil }
        let limit = Int(Int16.max) / 2
        guard case .integer(let number) = value, number >= 1, number <= limit else {
            throw invalid(path + "max_attempts", "must be an integer from 1 to \(limit)")
        }
        return Int(number)
    }

    static func optionalDate(_ object: [String: JSONValue], _ key: String, path: String) throws -> Date? {
        guard let value = object[key], value != .null else { return nil }
        guard case .string(let text) = value, let date = parseDate(text) else {
            throw invalid(path + key, "must be a date-time such as 2030-01-31T12:00:00Z (RFC 3339)")
        }
        guard date >= earliest, date <= latest else {
            throw invalid(path + key, "must be between 1970 and 9999")
        }
        return date
    }

    /// RFC 3339, with or without fractional seconds.
    static func parseDate(_ text: String) -> Date? {
        let plain = ISO8601DateFormatter()
        plain.formatOptions = [.withInternetDateTime]
        if let date = plain.date(from: text) { return date }
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return fractional.date(from: text)
    }
}
