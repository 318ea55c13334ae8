import Conveyor
public import Foundation

/// Where an SQLite database lives: `sqlite:///absolute/path/to/file.db`, read once.
///
/// Also accepted: `sqlite:relative/path.db` (relative to the working directory) and a plain
/// file path. A URL that names a host, an in-memory database or query options is an error that
/// says what to write instead. ``prepareDirectory()`` creates the parent directories, so a fresh
/// checkout can run `conveyor dev` with nothing installed.
///
/// ```swift
/// let url = try SQLiteURL("sqlite:///var/lib/app/conveyor.db")
/// let driver = try SQLiteDriver(url: url)
/// ```
public struct SQLiteURL: Sendable, Hashable, CustomStringConvertible {
    /// The database file, as an absolute, standardized path.
    public var path: String

    /// The database of a project that names none: `./.conveyor/conveyor.db`.
    public static let defaultRelativePath = ".conveyor/conveyor.db"

    /// Whether `string` is meant as an SQLite URL (its scheme is `sqlite`), so a caller can pick the driver.
    public static func isSQLiteURL(_ string: String) -> Bool {
        string.lowercased().hasPrefix("sqlite:")
    }

    /// The default database, `.conveyor/conveyor.db` under `directory` (the working directory by default).
    public static func defaultDatabase(
        in directory: String = FileManager.default.currentDirectoryPath
    ) -> SQLiteURL {
        SQLiteURL(resolved: Self.absolute(defaultRelativePath, relativeTo: directory))
    }

    /// Parses `sqlite:///absolute/path.db` or `sqlite:relative/path.db`.
    /// - Parameter directory: what a relative path is relative to (default: the working directory).
    public init(_ url: String, relativeTo directory: String = FileManager.default.currentDirectoryPath) throws {
        guard let colon = url.firstIndex(of: ":"), url[..<colon].lowercased() == "sqlite" else {
            throw ConveyorError(
                .invalidConfiguration,
                "database URL '\(url)' is not an SQLite URL; expected sqlite:///absolute/path/to/file.db"
            )
        }
        var rest = String(url[url.index(after: colon)...])
        if let query = rest.firstIndex(where: { $0 == "?" || $0 == "#" }) {
            throw ConveyorError(
                .invalidConfiguration,
                "SQLite URL '\(url)' has options ('\(rest[query...])') that Conveyor does not read; remove them"
            )
        }
        if rest.hasPrefix("//") {
            rest.removeFirst(2)
            // After `//` comes a host, which an SQLite file cannot have: the path starts at the next `/`.
            let host = rest.prefix { $0 != "/" }
            guard host.isEmpty || host.lowercased() == "localhost" else {
                throw ConveyorError(
                    .invalidConfiguration,
                    "SQLite URL '\(url)' names a host ('\(host)'); write sqlite:///absolute/path/to/file.db (three slashes) or sqlite:relative/path.db"
                )
            }
            rest.removeFirst(host.count)
        }
        guard let decoded = rest.removingPercentEncoding else {
            throw ConveyorError(.invalidConfiguration, "SQLite URL '\(url)' has a malformed %-escape in its path")
        }
        try self.init(path: decoded, relativeTo: directory, url: url)
    }

    /// A database at a file path; a relative path is relative to `directory`.
    public init(path: String, relativeTo directory: String = FileManager.default.currentDirectoryPath) throws {
        try self.init(path: path, relativeTo: directory, url: nil)
    }

    private init(path: String, relativeTo directory: String, url: String?) throws {
        let source = url.map { "SQLite URL '\($0)'" } ?? "SQLite path '\(path)'"
        guard !path.isEmpty, path != "/" else {
            throw ConveyorError(
                .invalidConfiguration, "\(source) has no file path; expected sqlite:///absolute/path/to/file.db")
        }
        guard path != ":memory:", !path.hasPrefix("file::memory:") else {
            throw ConveyorError(
                .invalidConfiguration,
                "\(source) asks for an in-memory database, which workers and clients cannot share; give a file path"
            )
        }
        guard !path.hasSuffix("/") else {
            throw ConveyorError(
                .invalidConfiguration, "\(source) names a directory; add a file name, e.g. \(path)conveyor.db")
        }
        self.init(resolved: Self.absolute(path, relativeTo: directory))
    }

    private init(resolved path: String) {
        self.path = path
    }

    private static func absolute(_ path: String, relativeTo directory: String) -> String {
        let expanded = (path as NSString).expandingTildeInPath
        let absolute = expanded.hasPrefix("/") ? expanded : (directory as NSString).appendingPathComponent(expanded)
        return URL(fileURLWithPath: absolute).standardizedFileURL.path
    }

    /// `sqlite://` followed by the absolute path.
    public var description: String { "sqlite://\(path)" }

    /// Creates the database's parent directories when missing and checks that the file can be
    /// created or written, so a wrong path fails at start with what to fix.
    public func prepareDirectory() throws {
        let fileManager = FileManager.default
        let directory = (path as NSString).deletingLastPathComponent
        func fail(_ reason: String, _ error: (any Error)? = nil) -> ConveyorError {
            ConveyorError(.invalidConfiguration, "cannot create database at \(path): \(reason)", underlying: error)
        }
        var isDirectory: ObjCBool = false
        if fileManager.fileExists(atPath: directory, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw fail("\(directory) is not a directory") }
        } else {
            do {
                try fileManager.createDirectory(atPath: directory, withIntermediateDirectories: true)
            } catch {
                throw fail("the directory \(directory) could not be created (\(Self.reason(error)))", error)
            }
        }
        if fileManager.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard !isDirectory.boolValue else { throw fail("it is a directory") }
            guard access(path, R_OK | W_OK) == 0 else { throw fail("the file is not readable and writable") }
        }
        // SQLite writes `-wal` and `-shm` files beside the database, so the directory must be writable too.
        guard access(directory, W_OK | X_OK) == 0 else { throw fail("the directory \(directory) is not writable") }
    }

    private static func reason(_ error: any Error) -> String {
        let nsError = error as NSError
        if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError,
            let code = POSIXErrorCode(rawValue: Int32(underlying.code)), underlying.domain == NSPOSIXErrorDomain
        {
            return String(cString: strerror(code.rawValue))
        }
        return nsError.localizedDescription
    }
}
