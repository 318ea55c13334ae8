/// Orders waiting tasks: a lower value runs first; tasks of equal priority run oldest first.
public struct Priority: RawRepresentable, Hashable, Comparable, Sendable, Codable, CustomStringConvertible,
    ExpressibleByIntegerLiteral
{
    public var rawValue: Int16
    public init(rawValue: Int16) { self.rawValue = rawValue }
    public init(integerLiteral value: Int16) { self.rawValue = value }

    public static let high: Priority = -10
    public static let normal: Priority = 0
    public static let low: Priority = 10

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
    public var description: String { String(rawValue) }
    public init(from decoder: any Decoder) throws {
        self.rawValue = try decoder.singleValueContainer().decode(Int16.self)
    }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}
