import Conveyor
import ConveyorSQLite
import Foundation
import Testing

@Suite("SQLite URLs and paths", .boundedParallelism, .timeLimit(.minutes(10)))
struct SQLiteURLTests {
    @Test("sqlite:/// URLs, relative URLs and plain paths resolve to absolute paths")
    func parses() throws {
        #expect(try SQLiteURL("sqlite:///var/lib/app/conveyor.db").path == "/var/lib/app/conveyor.db")
        #expect(try SQLiteURL("SQLITE:///tmp/a%20b.db").path == "/tmp/a b.db")
        #expect(try SQLiteURL("sqlite://localhost/tmp/x.db").path == "/tmp/x.db")
        #expect(try SQLiteURL("sqlite:data/q.db", relativeTo: "/srv/app").path == "/srv/app/data/q.db")
        #expect(try SQLiteURL("sqlite:./q.db", relativeTo: "/srv/app").path == "/srv/app/q.db")
        #expect(try SQLiteURL(path: "../q.db", relativeTo: "/srv/app").path == "/srv/q.db")
        #expect(SQLiteURL.defaultDatabase(in: "/srv/app").path == "/srv/app/.conveyor/conveyor.db")
        #expect(try SQLiteURL("sqlite:///tmp/x.db").description == "sqlite:///tmp/x.db")
        #expect(SQLiteURL.isSQLiteURL("sqlite:///x.db"))
        #expect(!SQLiteURL.isSQLiteURL("postgres://localhost/app"))
    }

    @Test(
        "a malformed URL is an error that says what to write",
        arguments: [
            ("postgres://localhost/app", "is not an SQLite URL"),
            ("sqlite://", "has no file path"),
            ("sqlite:///", "has no file path"),
            ("sqlite://db.example.com/x.db", "names a host ('db.example.com')"),
            ("sqlite::memory:", "in-memory"),
            ("sqlite:///tmp/x.db?mode=ro", "has options ('?mode=ro')"),
            ("sqlite:///tmp/dir/", "names a directory"),
        ])
    func rejects(url: String, message: String) {
        #expect {
            try SQLiteURL(url)
        } throws: { error in
            let error = error as? ConveyorError
            return error?.code == .invalidConfiguration && error?.message.contains(message) == true
        }
    }

    @Test("opening a database creates its missing parent directories")
    func createsDirectories() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("conveyor-url-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let path = root.appendingPathComponent("a/b/conveyor.db").path
        let driver = try SQLiteDriver(url: SQLiteURL("sqlite://" + path))
        let client = ConveyorClient(driver)
        try await client.migrate()
        #expect(FileManager.default.fileExists(atPath: path))
        #expect(try await driver.appliedMigrations() == SQLiteDriver.migrationVersions)
        await driver.close()
    }

    @Test("a path that cannot hold a database is a clear error at start")
    func unwritableDirectory() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("conveyor-url-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        let blocker = root.appendingPathComponent("file")
        try Data("x".utf8).write(to: blocker)
        let path = blocker.appendingPathComponent("sub/conveyor.db").path
        #expect {
            try SQLiteDriver(path: path)
        } throws: { error in
            let message = (error as? ConveyorError)?.message ?? ""
            return message.hasPrefix("cannot create database at \(path): ")
        }
        let directoryAsFile = root.appendingPathComponent("dir.db")
        try FileManager.default.createDirectory(at: directoryAsFile, withIntermediateDirectories: true)
        #expect {
            try SQLiteDriver(path: directoryAsFile.path)
        } throws: { error in
            (error as? ConveyorError)?.message == "cannot create database at \(directoryAsFile.path): it is a directory"
        }
    }

    @Test("a file that is not a database is an error that names it")
    func notADatabase() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("conveyor-url-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        let path = root.appendingPathComponent("junk.db").path
        try Data(repeating: 0x41, count: 4096).write(to: URL(fileURLWithPath: path))
        let driver = try SQLiteDriver(path: path)
        await #expect {
            try await ConveyorClient(driver).migrate()
        } throws: { error in
            let message = (error as? ConveyorError)?.message ?? ""
            return message.contains(path) && message.contains("not a database")
        }
        await driver.close()
    }
}
