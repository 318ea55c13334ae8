/// A benchmark run that could not produce a figure, with what went wrong.
struct BenchFailure: Error, CustomStringConvertible {
    var description: String

    init(_ description: String) {
        self.description = description
    }
}
