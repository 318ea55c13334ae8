/// A retryable failure of an `http` task: a 5xx or 429 answer, or a network error.
struct HTTPTaskFailure: Error, Sendable, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
