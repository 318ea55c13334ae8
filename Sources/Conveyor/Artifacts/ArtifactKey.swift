/// Names an artifact: `{owner}/{jobId}/{taskId}/{name}`, the same in every store.
///
/// Owners come from tokens and may hold anything printable (`alice@example.com`,
/// `google-oauth2|1234`, `org/team`), and names are chosen by handlers, so each segment is checked
/// and then percent-encoded: `storageKey` holds only `A–Z a–z 0–9 - . _ ~ %` and the three
/// slashes between segments. It is safe as a file path, an S3 object key and a URL path, and one
/// artifact has exactly one storage key.
///
/// ```swift
/// let key = try ArtifactKey(owner: "alice@example.com", jobID: 42, taskID: 43, name: "chapter 1.mp3")
/// key.storageKey  // "alice%40example.com/42/43/chapter%201.mp3"
/// ```
public struct ArtifactKey: Sendable, Hashable, CustomStringConvertible {
    /// The owner of the job, as the API knows it.
    public let owner: String
    public let jobID: JobID
    public let taskID: TaskID
    /// The handler's name for the file, e.g. `chapter-1.mp3`; unique within its task.
    public let name: String

    /// The longest a segment may be once encoded: the longest file name most filesystems allow.
    public static let maximumEncodedSegmentLength = 255

    /// Checks every segment and throws `ConveyorError(.invalidInput)` saying what to fix: an
    /// empty owner or name, `.` or `..`, a control character, a slash in the name, or a segment
    /// longer than 255 bytes once encoded.
    public init(owner: String, jobID: JobID, taskID: TaskID, name: String) throws {
        // An empty owner is the jobs enqueued without one; see `encodeOwner`.
        if !owner.isEmpty { try Self.check(owner, as: "owner", allowingSlash: true) }
        try Self.check(name, as: "name", allowingSlash: false)
        self.owner = owner
        self.jobID = jobID
        self.taskID = taskID
        self.name = name
    }

    /// Parses a key written by `storageKey`; throws `ConveyorError(.invalidInput)` for anything
    /// else, including a key whose encoding is not the canonical one.
    public init(storageKey: String) throws {
        let segments = storageKey.split(separator: "/", omittingEmptySubsequences: false)
        guard segments.count == 4 else {
            throw Self.invalid("artifact storage key \"\(storageKey)\" must have four segments: owner/job/task/name")
        }
        guard let owner = Self.decodeOwner(segments[0]), let name = Self.decode(segments[3]),
            let jobID = Int64(segments[1]), let taskID = Int64(segments[2])
        else {
            throw Self.invalid("artifact storage key \"\(storageKey)\" is not percent-encoded owner/job/task/name")
        }
        try self.init(owner: owner, jobID: JobID(jobID), taskID: TaskID(taskID), name: name)
        guard self.storageKey == storageKey else {
            throw Self.invalid(
                "artifact storage key \"\(storageKey)\" is not in canonical form; expected \"\(self.storageKey)\"")
        }
    }

    /// `{owner}/{jobId}/{taskId}/{name}` with owner and name percent-encoded: what stores use as
    /// the file path or object key, and what the artifacts table records.
    public var storageKey: String {
        "\(Self.encodeOwner(owner))/\(jobID)/\(taskID)/\(Self.encode(name))"
    }

    /// The job of no owner (enqueued without one) keeps its artifacts under `_`; an owner named
    /// `_` is escaped, so the two never share a folder.
    static func encodeOwner(_ owner: String) -> String {
        switch owner {
        case "": "_"
        case "_": "%5F"
        default: encode(owner)
        }
    }

    static func decodeOwner(_ segment: some StringProtocol) -> String? {
        switch segment {
        case "_": ""
        case "%5F": "_"
        default: decode(segment)
        }
    }

    public var description: String { storageKey }
}

extension ArtifactKey: Codable {
    /// Decodes the storage key string that `encode(to:)` writes.
    public init(from decoder: any Decoder) throws {
        try self.init(storageKey: try decoder.singleValueContainer().decode(String.self))
    }

    /// Encodes as the storage key string.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(storageKey)
    }
}

extension ArtifactKey {
    /// Throws unless `value` can be the owner or name segment of a key.
    static func check(_ value: String, as segment: String, allowingSlash: Bool) throws {
        guard !value.isEmpty else { throw invalid("artifact \(segment) is empty") }
        guard value != ".", value != ".." else {
            throw invalid("artifact \(segment) \"\(value)\" is not allowed: \".\" and \"..\" are reserved")
        }
        if !allowingSlash, value.contains("/") {
            throw invalid("artifact \(segment) \"\(value)\" contains a slash; use a flat name such as chapter-1.mp3")
        }
        if let bad = value.unicodeScalars.first(where: isForbidden) {
            let digits = String(bad.value, radix: 16, uppercase: true)
            let code = "U+" + String(repeating: "0", count: max(0, 4 - digits.count)) + digits
            throw invalid("artifact \(segment) contains the control character \(code); use printable characters only")
        }
        let length = encode(value).utf8.count
        guard length <= maximumEncodedSegmentLength else {
            throw invalid(
                "artifact \(segment) is too long: \(length) bytes once percent-encoded, at most \(maximumEncodedSegmentLength)"
            )
        }
    }

    /// Control characters (C0, DEL, C1) and line or paragraph separators: invisible in logs and
    /// dashboards, and dangerous in headers.
    private static func isForbidden(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.generalCategory == .control || scalar == "\u{2028}" || scalar == "\u{2029}"
    }

    static func invalid(_ message: String) -> ConveyorError { ConveyorError(.invalidInput, message) }

    /// Percent-encodes every UTF-8 byte outside RFC 3986's unreserved set, in uppercase hex:
    /// the same encoding AWS Signature Version 4 uses, so a storage key needs no other form.
    package static func encode(_ value: some StringProtocol) -> String {
        var encoded = ""
        encoded.reserveCapacity(value.utf8.count)
        for byte in value.utf8 {
            if isUnreserved(byte) {
                encoded.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                encoded += "%" + Hex.uppercase(byte)
            }
        }
        return encoded
    }

    /// Reverses `encode`; nil for a malformed escape, a byte that should have been escaped, or
    /// bytes that are not UTF-8.
    static func decode(_ value: some StringProtocol) -> String? {
        var bytes: [UInt8] = []
        var iterator = value.utf8.makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "%") {
                guard let high = iterator.next().flatMap(Hex.value(of:)),
                    let low = iterator.next().flatMap(Hex.value(of:))
                else { return nil }
                bytes.append(high << 4 | low)
            } else if isUnreserved(byte) {
                bytes.append(byte)
            } else {
                return nil
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
            UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }
}
