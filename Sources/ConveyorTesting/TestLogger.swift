import Foundation
public import Logging

extension Logger {
    /// A logger for tests, quiet unless `CONVEYOR_TEST_LOG_LEVEL` (trace … critical) asks for more.
    public static func test(_ label: String = "conveyor.test") -> Logger {
        var logger = Logger(label: label)
        let level = ProcessInfo.processInfo.environment["CONVEYOR_TEST_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:))
        logger.logLevel = level ?? .critical
        return logger
    }
}
