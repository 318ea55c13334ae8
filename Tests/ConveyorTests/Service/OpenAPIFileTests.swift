import Foundation
import Testing

@testable import ConveyorService

@Suite("The OpenAPI document in the repository", .boundedParallelism, .timeLimit(.minutes(10)))
struct OpenAPIFileTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    @Test("openapi.json at the repository's root is the document the service serves")
    func committedFileMatchesServedDocument() throws {
        let file = Self.packageRoot.appendingPathComponent("openapi.json")
        let committed = try JSONDecoder().decode(JSONValue.self, from: Data(contentsOf: file))
        let served = try JSONDecoder().decode(JSONValue.self, from: OpenAPIDocument.data)
        if committed != served {
            // Leave the current document beside the test run, so updating the file is one copy.
            let current = FileManager.default.temporaryDirectory.appendingPathComponent("conveyor-openapi.json")
            let pretty = try JSONSerialization.data(
                withJSONObject: try JSONSerialization.jsonObject(with: OpenAPIDocument.data),
                options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
            try pretty.write(to: current)
            Issue.record(
                "openapi.json differs from the document the service serves: the routes' documents changed; copy \(current.path) to openapi.json"
            )
        }
    }
}
