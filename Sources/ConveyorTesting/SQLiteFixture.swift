public import Conveyor
public import ConveyorSQLite
import Foundation
public import Logging

/// A throwaway SQLite database for one test: a fresh file in a new temporary directory, migrated
/// before `body`, and the directory removed after.
public enum SQLiteFixture {
    /// Runs `body` with a client on a fresh, migrated database file, and removes it afterwards.
    ///
    /// `body` also gets the driver and the file's path, so a test can open more drivers on the
    /// same file (as other processes would).
    public static func withDatabase<T: Sendable>(
        logger: Logger = .test(),
        _ body: (_ client: ConveyorClient, _ driver: SQLiteDriver, _ path: String) async throws -> T
    ) async throws -> T {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("conveyor-test-" + String(UInt64.random(in: 0...UInt64.max), radix: 36))
        let path = directory.appendingPathComponent("conveyor.db").path
        defer { try? FileManager.default.removeItem(at: directory) }
        let driver = try SQLiteDriver(path: path, logger: logger)
        do {
            let client = ConveyorClient(driver)
            try await client.migrate()
            let result = try await body(client, driver, path)
            await driver.close()
            return result
        } catch {
            await driver.close()
            throw error
        }
    }
}
