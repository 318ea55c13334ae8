/// A kind of task: its input is the type itself, encoded as JSON in the task row.
///
/// ```swift
/// struct SendEmail: TaskDefinition {
///     static let name = "send-email"
///     static let queue = "email"
///     var to: String
/// }
/// ```
public protocol TaskDefinition: Codable, Sendable {
    /// The kind stored on the task; must be unique in a registry.
    static var name: String { get }
    /// The queue a task goes to unless the enqueue says otherwise (default `"default"`).
    static var queue: String { get }
    /// Attempts before the task is discarded (default 20).
    static var maxAttempts: Int { get }
    /// Backoff between attempts; nil uses the queue's policy.
    static var retryPolicy: RetryPolicy? { get }
    /// How long one attempt may run; nil uses the queue's timeout.
    static var timeout: Duration? { get }
    /// Shared capacities a task of this kind uses, such as `["tts-endpoint"]` (default none): it
    /// starts only when each has room (see ``ResourceSettings``). An enqueue can name others.
    static var resources: [String] { get }
}

extension TaskDefinition {
    public static var queue: String { "default" }
    public static var maxAttempts: Int { TaskDefaults.maxAttempts }
    public static var retryPolicy: RetryPolicy? { nil }
    public static var timeout: Duration? { nil }
    public static var resources: [String] { [] }
}

/// Defaults shared by typed and untyped enqueues.
public enum TaskDefaults {
    public static let queue = "default"
    public static let maxAttempts = 20
}
