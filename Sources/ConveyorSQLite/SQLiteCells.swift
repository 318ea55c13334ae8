import Conveyor
import Foundation
import SQLiteNIO

/// The values of one result row, read by position with the type each column must have.
///
/// A value of the wrong type means the file was written by something else: an error that says
/// which column, never a silent default.
struct SQLiteCells {
    let values: [SQLiteData]

    init(_ values: [SQLiteData]) { self.values = values }

    private func mismatch(_ index: Int, _ expected: String) -> ConveyorError {
        let found = index < values.count ? "\(values[index])" : "nothing"
        return ConveyorError(
            .databaseFailure, "SQLite returned \(found) in column \(index + 1) where \(expected) was expected")
    }

    private func value(_ index: Int) -> SQLiteData { index < values.count ? values[index] : .null }

    func int64(_ index: Int) throws -> Int64 {
        guard case .integer(let value) = value(index) else { throw mismatch(index, "an integer") }
        return Int64(value)
    }

    func optionalInt64(_ index: Int) throws -> Int64? {
        if case .null = value(index) { return nil }
        return try int64(index)
    }

    func int(_ index: Int) throws -> Int { Int(try int64(index)) }

    func string(_ index: Int) throws -> String {
        guard case .text(let value) = value(index) else { throw mismatch(index, "text") }
        return value
    }

    func optionalString(_ index: Int) throws -> String? {
        if case .null = value(index) { return nil }
        return try string(index)
    }

    func date(_ index: Int) throws -> Date {
        switch value(index) {
        case .float(let seconds): Date(timeIntervalSince1970: seconds)
        case .integer(let seconds): Date(timeIntervalSince1970: Double(seconds))
        default: throw mismatch(index, "a time")
        }
    }

    func optionalDate(_ index: Int) throws -> Date? {
        if case .null = value(index) { return nil }
        return try date(index)
    }

    func optionalInt(_ index: Int) throws -> Int? {
        try optionalInt64(index).map(Int.init)
    }

    func bool(_ index: Int) throws -> Bool { try int64(index) != 0 }

    func optionalDouble(_ index: Int) throws -> Double? {
        switch value(index) {
        case .null: nil
        case .float(let value): value
        case .integer(let value): Double(value)
        default: throw mismatch(index, "a number")
        }
    }
}
