import Datasets

/// What a batch of fits trains on and is measured against.
public struct FitProblem: Sendable {
    public var train: Dataset
    /// Held-out rows for `test_mse` (or `test_loss` and `test_error`).
    public var test: Dataset?
    /// Reference solutions, each giving a `dist_<name>` metric: ‖w − w_ref‖₂.
    public var references: [(name: String, weights: [Double])]
    /// References with one solution per point of the batch (ridge at each
    /// point's λ, q_α at each point's α), in point order.
    public var perPointReferences: [(name: String, weights: [[Double]])]

    public init(train: Dataset, test: Dataset? = nil, references: [(name: String, weights: [Double])] = [],
                perPointReferences: [(name: String, weights: [[Double]])] = []) {
        self.train = train
        self.test = test
        self.references = references
        self.perPointReferences = perPointReferences
    }

    public init(split: Split, references: [(name: String, weights: [Double])] = []) {
        self.init(train: split.train, test: split.test, references: references)
    }
}
