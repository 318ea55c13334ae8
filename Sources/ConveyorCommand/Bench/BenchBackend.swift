import Conveyor
import Foundation
import Logging

/// One database engine under benchmark: PostgreSQL (``PostgresBenchBackend``) or SQLite
/// (``SQLiteBenchBackend``). Another driver plugs in by conforming (and adding its URL scheme to
/// ``BenchBackends``): the workloads only use this seam and ``BenchDatabase``.
protocol BenchBackend: Sendable {
    /// A short name for tables and file names, e.g. `postgres`.
    var name: String { get }
    /// Where the database is, without secrets, e.g. `127.0.0.1:5432`.
    var location: String { get }
    /// The server's version and the settings the figures depend on.
    func settings() async throws -> [BenchSetting]
    /// A new, empty, migrated database (a schema, a file…) that no other run has touched.
    func createDatabase() async throws -> any BenchDatabase
    /// A client on a database made by ``createDatabase()``, from a worker process given its id.
    func client(forDatabase id: String) throws -> ConveyorClient
    /// What a reader of `workload`'s figures must know about this backend (shown as a note in the
    /// table), or nil.
    func remark(on workload: BenchPlan.Workload) -> String?
}

/// One fresh database of a backend, used by one workload run and dropped after it.
protocol BenchDatabase: Sendable {
    /// Names this database to a worker process (`conveyor bench worker --run-database ID`).
    var id: String { get }
    var client: ConveyorClient { get }
    /// Inserts, in bulk, finished and future tasks of `kind` in `queue`.
    func seed(finished: Int, scheduled: Int, kind: String, queue: String) async throws
    /// Brings the tables to a steady state (statistics, checkpoint) before a measured phase.
    func settle() async throws
    /// Whether any task of `queue` still waits or runs.
    func hasUnfinishedWork(queue: String) async throws -> Bool
    /// What the database recorded for the tasks of `kind`.
    func drainRecord(kind: String) async throws -> BenchDrainRecord
    /// Removes the database and everything in it.
    func drop() async throws
}

/// One server setting, shown above the table.
struct BenchSetting: Sendable, Codable, Hashable {
    var name: String
    var value: String
}

/// What the database recorded for a drained set of tasks.
struct BenchDrainRecord: Sendable, Hashable {
    var completed: Int
    var total: Int
    var firstClaim: Date?
    var lastCompletion: Date?
    var maxAttempt: Int

    /// Tasks per second from the first claim to the last completion.
    var rate: Double? {
        guard let firstClaim, let lastCompletion, lastCompletion > firstClaim else { return nil }
        return Double(completed) / lastCompletion.timeIntervalSince(firstClaim)
    }
}

extension BenchBackend {
    func remark(on workload: BenchPlan.Workload) -> String? { nil }

    /// Runs `body` on a fresh database and drops it afterwards (unless `keep`, for looking at it
    /// after the run), also when `body` throws.
    func withFreshDatabase<T: Sendable>(
        keep: Bool = false, _ body: (any BenchDatabase) async throws -> T
    ) async throws -> T {
        let database = try await createDatabase()
        do {
            let result = try await body(database)
            if keep {
                FileHandle.standardError.write(Data("bench: kept database \(database.id)\n".utf8))
            } else {
                try await database.drop()
            }
            return result
        } catch {
            if !keep { try? await database.drop() }
            throw error
        }
    }
}

/// Opens the backend a database URL names.
enum BenchBackends {
    /// Runs `body` with the backend for `url`, its connections open for the duration.
    static func withBackend<T: Sendable>(
        url: String,
        connections: Int,
        logger: Logger,
        _ body: (any BenchBackend) async throws -> T
    ) async throws -> T {
        let scheme = url.split(separator: ":", maxSplits: 1).first.map { $0.lowercased() } ?? ""
        switch scheme {
        case "postgres", "postgresql":
            return try await PostgresBenchBackend.withBackend(
                url: url, connections: connections, logger: logger, body)
        case "sqlite":
            return try await SQLiteBenchBackend.withBackend(url: url, logger: logger, body)
        default:
            throw ConveyorError(
                .invalidConfiguration,
                "database URL scheme '\(scheme)' is not one the bench knows; use postgres://user@host:port/database or sqlite:///directory/"
            )
        }
    }
}
