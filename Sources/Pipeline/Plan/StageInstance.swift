/// One named value of a point's position in the sweep (`init_scale = 0.01`).
public struct Coordinate: Hashable, Sendable {
    /// The column name: the swept key path (`l2`, `optimizer.lr`, `rep`), or
    /// `stage.key` when an upstream stage already uses the name.
    public var name: String
    public var value: Value
    /// The stage whose sweep made it.
    public var stage: String
}

/// A stage at one point of the sweep: what runs, once.
public struct StageInstance: Sendable {
    /// Its position in `Plan.instances`.
    public let index: Int
    public let stage: String
    /// Every coordinate: the upstream instance's, then this stage's own.
    public let coordinates: [Coordinate]
    public let ownCoordinates: [Coordinate]
    /// The stage's parameters with this point's swept values in place.
    public let parameters: ValueMap
    /// Input slot → the instances it reads, in order.
    public let inputs: [(slot: String, instances: [Int])]
    /// The content key: SHA-256 of the op, its numerics version, the canonical
    /// parameters, the input keys and (for ops that draw random numbers) the
    /// stream identity.
    public let key: String
    /// The parts the key hashes, kept to explain why an instance must run.
    public let parts: KeyParts
    /// The identity of its random stream: seed, stage id, coordinates.
    public let streamLabel: String

    public struct KeyParts: Codable, Equatable, Sendable {
        public var numerics: String
        public var parameters: String
        public var inputs: String
        public var stream: String
        /// For outputs: the digest of the pipeline text and overrides they
        /// record as provenance (so a changed comment rewrites the results file).
        public var provenance: String

        public init(numerics: String, parameters: String, inputs: String, stream: String, provenance: String = "") {
            self.numerics = numerics
            self.parameters = parameters
            self.inputs = inputs
            self.stream = stream
            self.provenance = provenance
        }
    }

    /// "fit[init_scale=0.01, l2=0]" — stable across runs of the same pipeline.
    public var identity: String {
        coordinates.isEmpty ? stage : stage + "[" + coordinates.map { "\($0.name)=\($0.value.canonical)" }.joined(separator: ", ") + "]"
    }

    public func inputs(_ slot: String) -> [Int] { inputs.first { $0.slot == slot }?.instances ?? [] }
}
