import Data

/// What a batch of fits trains on and is measured against.
public struct FitProblem: Sendable {
    public var train: Dataset
    /// Held-out rows for `test_mse` (or `test_loss` and `test_error`).
    public var test: Dataset?
    /// Reference solutions, each giving a `dist_<name>` metric: ‖w − w_ref‖₂.
    public var references: [(name: String, weights: [Double])]

    public init(train: Dataset, test: Dataset? = nil, references: [(name: String, weights: [Double])] = []) {
        self.train = train
        self.test = test
        self.references = references
    }

    public init(split: Split, references: [(name: String, weights: [Double])] = []) {
        self.init(train: split.train, test: split.test, references: references)
    }
}
