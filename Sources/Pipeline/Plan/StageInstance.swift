/// One named value of a point's position in the sweep (`init_scale = 0.01`).
public struct Coordinate: Hashable, Sendable {
    /// The column name: the swept key path (`l2`, `optimizer.lr`, `rep`), or
    /// `stage.key` when an upstream stage already uses the name.
    public var name: String
    public var value: Value
    /// The stage whose sweep made it.
    public var stage: String
    /// A swept key, a replicate, or a fold.
    public var role: CoordinateRole = .swept
}

/// A stage at one point of the sweep: what runs, once.
public struct StageInstance: Sendable {
    /// Its position in the plan.
    public let index: Int
    public let stage: String
    /// Every coordinate: the upstream instance's, then this stage's own.
    public let coordinates: [Coordinate]
    public let ownCoordinates: [Coordinate]
    /// The stage's parameters with this point's swept values in place.
    public let parameters: ValueMap
    /// Input slot → the instances it reads, in order.
    public let inputs: [(slot: String, instances: [Int])]
    /// The identity of its random stream: seed, stage id, coordinates.
    public let streamLabel: String

    /// "fit[init_scale=0.01, l2=0]" — stable across runs of the same pipeline.
    public var identity: String { StageInstance.identity(stage: stage, coordinates: coordinates) }

    static func identity(stage: String, coordinates: [Coordinate]) -> String {
        coordinates.isEmpty ? stage : stage + "[" + coordinates.map { "\($0.name)=\($0.value.canonical)" }.joined(separator: ", ") + "]"
    }

    public func inputs(_ slot: String) -> [Int] { inputs.first { $0.slot == slot }?.instances ?? [] }
}
