public import Conveyor
public import ConveyorArtifacts
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
    /// Where task handlers write artifacts: `GET /v1/jobs/{id}/artifacts` asks it for download
    /// URLs (an S3 store presigns its own) and `/v1/artifacts/…` serves its bytes. Nil: artifacts
    /// are listed without URLs the service can serve.
    public var artifactStore: (any ArtifactStore)?
    /// Signs and checks `/v1/artifacts/…` URLs for a store without URLs of its own (the
    /// filesystem store); `conveyor serve` requires a key, `conveyor dev` generates one.
    public var artifactSigner: ArtifactURLSigner?
    /// How long an artifact download URL stays valid (default 1 hour).
    public var artifactURLLifetime: Duration = .seconds(3600)
    /// Put before the service's own artifact URLs (`https://api.example.com`), so clients get
    /// absolute URLs; nil gives paths (`/v1/artifacts/…`) to resolve against the API's address.
    public var publicOrigin: String?
    /// How long a live feed (`/v1/jobs/{id}/events`) waits for a database notification before it
    /// looks for new events anyway (default 1 s).
    public var eventPollInterval: Duration = .seconds(1)

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
