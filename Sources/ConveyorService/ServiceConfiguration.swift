import Foundation

/// How the HTTP service behaves; every default is the documented one.
public struct ServiceConfiguration: Sendable {
    /// The address to listen on (default 127.0.0.1).
    public var host: String
    /// The port to listen on (default 8787).
    public var port: Int
    /// The largest request body accepted; larger is 413 (default 1 MiB).
    public var maxBodyBytes: Int
    /// The most tasks one job may be created with (default 10,000).
    public var maxTasksPerJob: Int
    /// The deepest nesting of arrays and objects a request body may have (default 32).
    public var maxJSONDepth: Int
    /// Job creations each token may make per second, on average (default 50).
    public var createRatePerSecond: Double
    /// Job creations a token may make at once before the rate applies (default 100).
    public var createBurst: Int
    /// Multi-task recipes by job kind: a create naming one of these kinds with an `input` and no
    /// `tasks` gets the tasks the recipe makes from the input.
    public var recipes: JobRecipes
    /// Checks the database is reachable and migrated, for `/readyz`; nil checks reachability only.
    public var readinessCheck: (@Sendable () async throws -> Void)?

    public init(
        host: String = "127.0.0.1",
        port: Int = 8787,
        maxBodyBytes: Int = 1 << 20,
        maxTasksPerJob: Int = 10_000,
        maxJSONDepth: Int = 32,
        createRatePerSecond: Double = 50,
        createBurst: Int = 100,
        recipes: JobRecipes = JobRecipes(),
        readinessCheck: (@Sendable () async throws -> Void)? = nil
    ) {
        self.host = host
        self.port = port
        self.maxBodyBytes = maxBodyBytes
        self.maxTasksPerJob = maxTasksPerJob
        self.maxJSONDepth = maxJSONDepth
        self.createRatePerSecond = createRatePerSecond
        self.createBurst = createBurst
        self.recipes = recipes
        self.readinessCheck = readinessCheck
    }
}
