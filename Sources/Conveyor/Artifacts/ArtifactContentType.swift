/// Checks the content types handlers give artifacts, before a store writes them into a header.
public enum ArtifactContentType {
    /// The longest content type accepted.
    public static let maximumLength = 255

    /// Throws `ConveyorError(.invalidInput)` unless `value` looks like `type/subtype` (parameters
    /// allowed) in printable ASCII: a control character could split an HTTP header.
    public static func check(_ value: String) throws {
        let printable = value.utf8.allSatisfy { (0x20...0x7E).contains($0) }
        let essence = value.split(separator: ";", maxSplits: 1).first ?? ""
        let parts = essence.split(separator: "/", omittingEmptySubsequences: false)
        let shaped = parts.count == 2 && parts.allSatisfy { !$0.isEmpty && !$0.contains(" ") }
        guard printable, shaped, value.utf8.count <= maximumLength else {
            throw ConveyorError(
                .invalidInput,
                "artifact content type \"\(value)\" is not valid: use type/subtype in printable ASCII, e.g. audio/mpeg"
            )
        }
    }
}
