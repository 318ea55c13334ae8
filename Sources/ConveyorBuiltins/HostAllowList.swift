import Conveyor
import Foundation

/// The hosts `http` tasks may call; every other host is refused before any request is made.
///
/// An entry is one of:
/// - a host name or IP address, `api.example.com` or `10.0.0.5`: that host, on any port;
/// - a host and a port, `127.0.0.1:8080` or `[::1]:8080`: that host on that port only;
/// - a wildcard, `*.example.com`: any subdomain of `example.com` (not `example.com` itself).
///
/// Matching ignores case. An empty list allows nothing.
public struct HostAllowList: Sendable, Hashable, CustomStringConvertible {
    private struct Entry: Sendable, Hashable {
        /// Lowercased, without brackets; for a wildcard, the suffix after `*.`.
        var host: String
        var port: Int?
        var isWildcard: Bool
    }

    private let entries: [Entry]
    /// The entries as given, trimmed.
    public let rawEntries: [String]

    /// - Throws: a ``ConveyorError`` naming the first entry that is not a host, `host:port` or `*.domain`.
    public init(_ entries: [String]) throws {
        var parsed: [Entry] = []
        var raw: [String] = []
        for text in entries {
            let entry = text.trimmingCharacters(in: .whitespaces)
            guard !entry.isEmpty else { continue }
            parsed.append(try Self.parse(entry))
            raw.append(entry)
        }
        self.entries = parsed
        self.rawEntries = raw
    }

    /// True when nothing is allowed.
    public var isEmpty: Bool { entries.isEmpty }

    /// Whether a request to `host` on `port` is allowed.
    ///
    /// - Parameters:
    ///   - host: the host of the URL, without brackets for IPv6.
    ///   - port: the port the request goes to (the scheme's default when the URL has none).
    public func allows(host: String, port: Int) -> Bool {
        let host = host.lowercased()
        return entries.contains { entry in
            if let required = entry.port, required != port { return false }
            if entry.isWildcard { return host.hasSuffix("." + entry.host) }
            return host == entry.host
        }
    }

    /// The entries, comma-separated, for messages.
    public var description: String { rawEntries.joined(separator: ", ") }

    private static func parse(_ entry: String) throws -> Entry {
        func invalid(_ why: String) -> ConveyorError {
            ConveyorError(
                .invalidConfiguration,
                "allowed host '\(entry)' \(why); give a host name, host:port or *.domain, such as api.example.com"
            )
        }
        var text = Substring(entry.lowercased())
        guard !text.contains("/"), !text.contains("@") else { throw invalid("is not a host name (no URL)") }
        var isWildcard = false
        if text.hasPrefix("*.") {
            isWildcard = true
            text = text.dropFirst(2)
        }
        var host: Substring
        var portText: Substring?
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { throw invalid("has an unclosed '['") }
            host = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            if !rest.isEmpty {
                guard rest.hasPrefix(":") else { throw invalid("has text after ']'") }
                portText = rest.dropFirst()
            }
        } else if let colon = text.firstIndex(of: ":") {
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        } else {
            host = text
        }
        guard !host.isEmpty else { throw invalid("has no host") }
        guard host.allSatisfy({ $0.isLetter || $0.isNumber || "-._:".contains($0) }) else {
            throw invalid("holds characters a host name cannot have")
        }
        var port: Int?
        if let portText {
            guard let value = Int(portText), (1...65_535).contains(value) else {
                throw invalid("has a port that is not a number from 1 to 65535")
            }
            port = value
        }
        return Entry(host: String(host), port: port, isWildcard: isWildcard)
    }
}
