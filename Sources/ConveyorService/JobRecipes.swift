public import Conveyor

/// Named multi-task recipes: a job kind that the service expands into tasks from one input.
///
/// ```swift
/// var recipes = JobRecipes()
/// recipes.register("audiobook") { input in
///     [NewTask(kind: "narrate", input: input, name: "narrate"),
///      NewTask(kind: "cover", input: input, name: "cover", dependsOn: ["narrate"])]
/// }
/// ```
/// A create naming a kind with no recipe makes a one-task job of that kind.
public struct JobRecipes: Sendable {
    /// Makes the tasks of a job from the create request's `input` (JSON text).
    public typealias Recipe = @Sendable (_ inputJSON: String) throws -> [NewTask]

    private var recipes: [String: Recipe] = [:]

    public init() {}

    /// The kinds that have a recipe, sorted.
    public var kinds: [String] { recipes.keys.sorted() }

    /// Registers a recipe; a kind registered twice stops the program: it is a bug.
    public mutating func register(_ kind: String, recipe: @escaping Recipe) {
        precondition(recipes[kind] == nil, "job recipe '\(kind)' is registered twice")
        recipes[kind] = recipe
    }

    /// The recipe for a kind, if one is registered.
    public func recipe(for kind: String) -> Recipe? { recipes[kind] }
}
