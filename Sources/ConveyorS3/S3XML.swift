import Foundation

/// Reads the few fields Conveyor needs from S3's XML responses, and escapes text for requests.
///
/// S3's responses here (ListObjectsV2, DeleteObjects, errors) are flat and fixed, so a scan for
/// `<Tag>text</Tag>` reads them without an XML library (and without libxml2 at run time).
enum S3XML {
    /// The inner text of each `<tag>…</tag>` element in `xml`, in order, entities decoded;
    /// elements written with attributes (`<tag attr="…">`) are found too.
    static func elements(_ tag: String, in xml: Substring) -> [Substring] {
        var found: [Substring] = []
        var rest = xml[...]
        let close = "</\(tag)>"
        while let open = rest.range(of: "<\(tag)") {
            let afterName = open.upperBound
            guard afterName < rest.endIndex, rest[afterName] == ">" || rest[afterName] == " ",
                let openEnd = rest[afterName...].firstIndex(of: ">")
            else {
                rest = rest[afterName...]
                continue
            }
            if rest[rest.index(before: openEnd)] == "/" {
                found.append("")
                rest = rest[rest.index(after: openEnd)...]
                continue
            }
            let contentStart = rest.index(after: openEnd)
            guard let end = rest[contentStart...].range(of: close) else { break }
            found.append(rest[contentStart..<end.lowerBound])
            rest = rest[end.upperBound...]
        }
        return found
    }

    /// The decoded text of the first `<tag>` in `xml`, if any.
    static func text(_ tag: String, in xml: Substring) -> String? {
        elements(tag, in: xml).first.map(unescape)
    }

    /// Decodes the five named entities and numeric character references.
    static func unescape(_ text: Substring) -> String {
        guard text.contains("&") else { return String(text) }
        var result = ""
        var rest = text
        while let ampersand = rest.firstIndex(of: "&") {
            result += rest[..<ampersand]
            guard let semicolon = rest[ampersand...].firstIndex(of: ";") else { break }
            let entity = rest[rest.index(after: ampersand)..<semicolon]
            switch entity {
            case "amp": result += "&"
            case "lt": result += "<"
            case "gt": result += ">"
            case "quot": result += "\""
            case "apos": result += "'"
            default:
                let number =
                    entity.hasPrefix("#x")
                    ? UInt32(entity.dropFirst(2), radix: 16) : entity.hasPrefix("#") ? UInt32(entity.dropFirst()) : nil
                if let scalar = number.flatMap(Unicode.Scalar.init) {
                    result.unicodeScalars.append(scalar)
                } else {
                    result += rest[ampersand...semicolon]
                }
            }
            rest = rest[rest.index(after: semicolon)...]
        }
        return result + rest
    }

    /// `text` safe inside an XML element.
    static func escape(_ text: String) -> String {
        var escaped = ""
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&apos;"
            default: escaped.append(character)
            }
        }
        return escaped
    }
}
