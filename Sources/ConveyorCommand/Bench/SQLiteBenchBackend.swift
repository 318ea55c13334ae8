import Conveyor
import ConveyorSQLite
import Foundation
import Logging
import Synchronization

/// The bench on SQLite: every run gets a database file of its own, `bench_<random>.db`, in one
/// directory; worker processes open the same file by its name.
///
/// The URL names the directory: `sqlite:///var/tmp/bench/` (a trailing slash, created when
/// missing) or an existing directory; a URL naming a file puts the run files beside it and never
/// touches the file itself.
final class SQLiteBenchBackend: BenchBackend {
    /// The directory that holds the run files.
    let directory: String
    let logger: Logger
    /// Every driver this backend opened, closed when the backend's scope ends (a worker's driver
    /// stays open for the whole process; a kept database's driver is never dropped).
    private let opened = Mutex<[SQLiteDriver]>([])

    var name: String { "sqlite" }
    var location: String { directory }

    init(directory: String, logger: Logger) {
        self.directory = directory
        self.logger = logger
    }

    /// Resolves the directory (creating it when missing) and runs `body`, closing every driver
    /// opened meanwhile.
    static func withBackend<T: Sendable>(
        url: String, logger: Logger, _ body: (any BenchBackend) async throws -> T
    ) async throws -> T {
        let backend = SQLiteBenchBackend(directory: try directory(for: url), logger: logger)
        do {
            let result = try await body(backend)
            await backend.closeAll()
            return result
        } catch {
            await backend.closeAll()
            throw error
        }
    }

    /// The directory an `sqlite:` URL names for the bench, created when missing.
    static func directory(for url: String) throws -> String {
        let directory: String
        if url.hasSuffix("/") {
            // SQLiteURL reads files; a placeholder file name gives the directory's absolute path.
            directory = (try SQLiteURL(url + "bench.db").path as NSString).deletingLastPathComponent
        } else {
            let path = try SQLiteURL(url).path
            var isDirectory: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
            directory = exists && isDirectory.boolValue ? path : (path as NSString).deletingLastPathComponent
        }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw ConveyorError(
                .invalidConfiguration,
                "cannot create the bench directory \(directory) for '\(url)': \(error.localizedDescription)",
                underlying: error)
        }
        return directory
    }

    /// Read on a probe file, since journal mode and synchronous are set as a connection opens.
    func settings() async throws -> [BenchSetting] {
        let probe = try await makeDatabase()
        do {
            let settings = try await probe.driver.benchSettings()
            try await probe.drop()
            return settings.map { BenchSetting(name: $0.name, value: $0.value) }
        } catch {
            try? await probe.drop()
            throw error
        }
    }

    func createDatabase() async throws -> any BenchDatabase {
        try await makeDatabase()
    }

    private func makeDatabase() async throws -> SQLiteBenchDatabase {
        let name = "bench_" + String(UInt64.random(in: 0...UInt64.max), radix: 36) + ".db"
        let driver = try open(name)
        let database = SQLiteBenchDatabase(driver: driver)
        do {
            try await database.client.migrate()
        } catch {
            try? await database.drop()
            throw error
        }
        return database
    }

    func client(forDatabase id: String) throws -> ConveyorClient {
        guard !id.isEmpty, !id.contains("/"), id != ".", id != ".." else {
            throw BenchFailure("--run-database '\(id)' is not the name of a bench database file")
        }
        // Opening a missing file would create an empty, unmigrated database.
        guard FileManager.default.fileExists(atPath: (directory as NSString).appendingPathComponent(id)) else {
            throw BenchFailure("no bench database \(id) in \(directory)")
        }
        return ConveyorClient(try open(id))
    }

    private func open(_ name: String) throws -> SQLiteDriver {
        let path = (directory as NSString).appendingPathComponent(name)
        let driver = try SQLiteDriver(url: SQLiteURL(path: path), logger: logger)
        opened.withLock { $0.append(driver) }
        return driver
    }

    private func closeAll() async {
        let drivers = opened.withLock { drivers in
            defer { drivers.removeAll() }
            return drivers
        }
        for driver in drivers { await driver.close() }
    }

    func remark(on workload: BenchPlan.Workload) -> String? {
        switch workload {
        case .latency:
            "the worker is another process and SQLite has no cross-process wake-up: a task waits for the worker's"
                + " poll (every \(WorkerConfiguration().pollInterval), ±20% jitter)"
        case .enqueue, .throughput, .scale, .flow:
            nil
        }
    }
}

/// One run's database file.
struct SQLiteBenchDatabase: BenchDatabase {
    let driver: SQLiteDriver

    var id: String { (driver.url.path as NSString).lastPathComponent }
    var client: ConveyorClient { ConveyorClient(driver) }

    func seed(finished: Int, scheduled: Int, kind: String, queue: String) async throws {
        try await driver.benchSeed(finished: finished, scheduled: scheduled, kind: kind, queue: queue)
    }

    func settle() async throws {
        try await driver.benchSettle()
    }

    func hasUnfinishedWork(queue: String) async throws -> Bool {
        try await driver.benchHasUnfinished(queue: queue)
    }

    func drainRecord(kind: String) async throws -> BenchDrainRecord {
        let record = try await driver.benchDrainRecord(kind: kind)
        return BenchDrainRecord(
            completed: record.completed, total: record.total, firstClaim: record.firstClaim,
            lastCompletion: record.lastCompletion, maxAttempt: record.maxAttempt
        )
    }

    func drop() async throws {
        try await driver.benchRemoveDatabase()
    }
}
