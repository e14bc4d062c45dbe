/// What a stage produces, and so what a downstream input slot can accept.
public enum ArtifactKind: String, Sendable, CaseIterable {
    /// Training rows, with held-out test rows when split: load, synthesize, split, standardize.
    case data
    /// Reference solutions on the training rows: reference.
    case references
    /// Fitted points: fit.
    case fits
    /// A file written for the user: write, export.
    case file
}

/// A key of a stage that names other stages (`input:`, `compare:`).
public struct InputSlot: Sendable {
    public var key: String
    public var accepts: ArtifactKind
    public var required: Bool
    /// Whether a list of stage ids is allowed.
    public var multiple: Bool
    public var doc: String

    public init(_ key: String, accepts: ArtifactKind, required: Bool = true, multiple: Bool = false, doc: String) {
        self.key = key
        self.accepts = accepts
        self.required = required
        self.multiple = multiple
        self.doc = doc
    }
}

/// An op's declaration: its name, keys, inputs and output. The Pipeline module
/// validates and plans with these; the Engine module gives each op its execution,
/// one file per op.
public protocol Operation: Sendable {
    var name: String { get }
    /// One sentence for `regime check` and the pipeline reference.
    var summary: String { get }
    var schema: Schema { get }
    var inputs: [InputSlot] { get }
    var output: ArtifactKind { get }
    /// Whether its one instance gathers every point of its inputs (write,
    /// export); such a stage cannot be swept.
    var gathers: Bool { get }
    /// Whether results depend on the random stream of the instance (seed, stage
    /// id, coordinates), which then enters its content key.
    var usesRandomness: Bool { get }
    /// Bumped when the op's numerics change, so cached results are recomputed.
    var numericsVersion: Int { get }
    /// Axes the op adds by itself from its parameters (split's `folds: k` adds
    /// `fold` = 0…k−1), after the stage's own sweep.
    func implicitAxes(_ parameters: ValueMap) -> [Sweep.Axis]
    /// Decodes the op's typed parameters from validated values (and throws
    /// away the result): `regime check` proves every stage decodes.
    func decodes(_ parameters: ValueMap) throws(ParameterError)
}

extension Operation {
    public var gathers: Bool { false }
    public var usesRandomness: Bool { false }
    public var numericsVersion: Int { 1 }
    public func implicitAxes(_ parameters: ValueMap) -> [Sweep.Axis] { [] }
    public func decodes(_ parameters: ValueMap) throws(ParameterError) {}
}

extension Operation {
    /// The files of `role` that an instance with these parameters names, as
    /// written in the pipeline (relative to it), with the key naming each.
    public func files(_ role: FileRole, in parameters: ValueMap) -> [(key: String, path: String)] {
        schema.filePaths(role).flatMap { key -> [(key: String, path: String)] in
            switch parameters[path: key] {
            case .string(let path)?: return [(key, path)]
            case .list(let items)?: return items.compactMap(\.string).map { (key, $0) }
            default: return []
            }
        }
    }
}

/// The ops a pipeline may use, by name.
public struct OperationRegistry: Sendable {
    public let operations: [any Operation]

    public init(_ operations: [any Operation]) {
        self.operations = operations
    }

    public subscript(name: String) -> (any Operation)? {
        operations.first { $0.name == name }
    }

    public var names: [String] { operations.map(\.name) }

    /// "load, synthesize, split or standardize" for the ops producing a kind.
    public func producers(of kind: ArtifactKind) -> String {
        let names = operations.filter { $0.output == kind }.map(\.name)
        guard names.count > 1 else { return names.first ?? "nothing" }
        return names.dropLast().joined(separator: ", ") + " or " + names.last!
    }
}
