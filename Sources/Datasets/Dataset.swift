import LinearAlgebra

/// Regression data: a design X (n × d, rows are samples) and targets y (n),
/// with what is known about where they came from.
public struct Dataset: Sendable, Equatable {
    /// The design, n × d, row-major.
    public var x: Matrix
    /// The targets, n.
    public var y: [Double]
    /// One name per column of X.
    public var featureNames: [String]
    /// The ground-truth weights w* (d), when the data is synthetic.
    public var truth: [Double]?
    /// The standard deviation σ of the label noise, when known.
    public var noise: Double?
    /// The distribution the rows of X were drawn from, when known: it makes the
    /// population risk of any w computable exactly.
    public var design: Design?
    /// [height, width] when each row is an image (pixels row by row): an image
    /// stack read by `load`. Its targets are class labels, or NaN when the
    /// file has none.
    public var imageShape: [Int]?
    /// Sequences (for CRFs): the rows are tokens and these are the lengths of
    /// consecutive runs of them, summing to n; y holds each token's label.
    public var sequenceLengths: [Int]?
    /// What synthetic sequences know of the chain that drew them.
    public var sequenceTruth: SequenceTruth?

    public init(x: Matrix, y: [Double], featureNames: [String]? = nil, truth: [Double]? = nil,
                noise: Double? = nil, design: Design? = nil, imageShape: [Int]? = nil, sequenceLengths: [Int]? = nil) {
        precondition(x.rows == y.count, "X has \(x.rows) rows, y has \(y.count) values")
        precondition(featureNames == nil || featureNames!.count == x.columns, "one feature name per column")
        precondition(truth == nil || truth!.count == x.columns, "truth has one weight per column")
        self.x = x
        self.y = y
        self.featureNames = featureNames ?? Dataset.defaultFeatureNames(x.columns)
        self.truth = truth
        self.noise = noise
        self.design = design
        self.imageShape = imageShape
        precondition(sequenceLengths == nil || sequenceLengths!.reduce(0, +) == x.rows, "sequence lengths summing to the rows")
        self.sequenceLengths = sequenceLengths
    }

    /// The units a split keeps whole: sequences, or rows.
    public var unitCount: Int { sequenceLengths?.count ?? rows }

    /// The units (sequences, or rows) at `indices`, in that order, with everything else kept.
    public func selectingUnits<C: Collection>(_ indices: C) -> Dataset where C.Element == Int {
        guard let lengths = sequenceLengths else { return selectingRows(indices) }
        var starts = [Int](repeating: 0, count: lengths.count)
        for i in 1..<max(lengths.count, 1) { starts[i] = starts[i - 1] + lengths[i - 1] }
        var subset = selectingRows(indices.flatMap { starts[$0]..<(starts[$0] + lengths[$0]) })
        subset.sequenceLengths = indices.map { lengths[$0] }
        return subset
    }

    /// The first row whose target is not a class label 0 … limit − 1 (a whole
    /// number), or nil when every row has one: image stacks' and sequences' labels.
    public func firstNonClassLabel(below limit: Int) -> Int? {
        y.firstIndex { !($0 >= 0 && $0 < Double(limit) && $0 == $0.rounded()) }
    }

    /// n, the number of samples.
    public var rows: Int { x.rows }
    /// d, the number of features.
    public var features: Int { x.columns }

    /// `x1`, `x2`, … for data without a header.
    public static func defaultFeatureNames(_ count: Int) -> [String] {
        (0..<count).map { "x\($0 + 1)" }
    }

    /// The rows at `indices`, in that order, with everything else kept.
    public func selectingRows<C: Collection>(_ indices: C) -> Dataset where C.Element == Int {
        var subset = self
        subset.x = x.selectingRows(indices)
        subset.y = indices.map { y[$0] }
        subset.sequenceLengths = nil  // rows picked one by one are no longer runs of sequences
        return subset
    }
}

/// The population the rows of X were drawn from.
public enum Design: Sendable, Equatable, Hashable {
    /// x ~ N(0, Σ) with Σ_ij = ρ^|i−j| (a stationary AR(1) across features with
    /// unit variances); ρ = 0 is the isotropic N(0, I).
    case gaussian(correlation: Double)

    /// Whether Σ = I.
    public var isIsotropic: Bool {
        switch self { case .gaussian(let rho): return rho == 0 }
    }
}

/// Training rows and held-out test rows.
public struct Split: Sendable, Equatable {
    public var train: Dataset
    public var test: Dataset

    public init(train: Dataset, test: Dataset) {
        precondition(train.features == test.features, "train and test have different feature counts")
        self.train = train
        self.test = test
    }
}

/// What synthetic sequences know about themselves: the hidden Markov model's
/// transition matrix and, for sparse binary emissions, the features that carry
/// information about the state.
public struct SequenceTruth: Sendable, Equatable {
    /// L × L, rows summing to 1.
    public var transitions: Matrix
    /// The informative features, or nil (Gaussian emissions: all of them).
    public var informative: Set<Int>?

    public init(transitions: Matrix, informative: Set<Int>?) {
        self.transitions = transitions
        self.informative = informative
    }
}
