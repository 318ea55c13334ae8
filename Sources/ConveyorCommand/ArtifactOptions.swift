import ArgumentParser
import Conveyor
import ConveyorArtifacts
import Foundation

/// `--artifacts`: where handlers' artifacts go when a worker runs from the command line.
struct ArtifactOptions: ParsableArguments {
    static let variable = "CONVEYOR_ARTIFACTS_DIR"
    static let defaultDirectory = ".conveyor/artifacts"

    @Option(
        help: ArgumentHelp(
            "Directory for artifacts written by tasks (default: $\(ArtifactOptions.variable), else \(ArtifactOptions.defaultDirectory)).",
            valueName: "dir"))
    var artifacts: String?

    var directory: String {
        artifacts ?? ProcessInfo.processInfo.environment[Self.variable] ?? Self.defaultDirectory
    }

    /// The filesystem store at ``directory``, created when missing.
    func store() throws -> FileSystemArtifactStore {
        do {
            return try FileSystemArtifactStore(root: directory)
        } catch let error as ConveyorError {
            throw ConveyorError(.invalidConfiguration, "--artifacts \(directory): \(error.message)")
        }
    }
}
