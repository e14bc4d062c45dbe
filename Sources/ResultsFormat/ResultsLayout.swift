/// The results file contract (docs/results-format.md): the names regime
/// writes and every reader reads, in one place.
public enum ResultsLayout {
    public static let summary = "summary"
    public static let trajectories = "trajectories"
    public static let references = "references"
    public static let weights = "weights"
    public static let truth = "truth"
    /// The dimension scales.
    public static let point = "point", feature = "feature", step = "step"
    /// The attribute on /trajectories/step saying what a step is in time.
    public static let timeAttribute = "time"
    public static let timeDescription =
        "flow time t = lr * step (lr from /summary): method flow records the gradient flow at that time; gd's step s approximates it"
    /// The attribute on every /summary dataset naming its `SummaryRole`.
    public static let roleAttribute = "role"

    /// The root attributes, in the order regime writes them.
    public enum Attribute {
        public static let regimeVersion = "regime_version"
        public static let name = "name"
        public static let seed = "seed"
        public static let pipeline = "pipeline"
        public static let pipelineFile = "pipeline_file"
        public static let overrides = "overrides"
        public static let description = "description"
        public static let created = "created"
        public static let numericsVersion = "numerics_version"
        public static let blas = "blas"
        public static let hdf5Version = "hdf5_version"
        public static let resolved = "resolved"
        public static let regimeKey = "regime_key"
    }

    /// The outcome columns between the coordinates and the metrics.
    public enum Outcome {
        public static let status = "status"
        public static let stop = "stop"
        public static let converged = "converged"
        public static let steps = "steps"
        public static let lr = "lr"
        public static let time = "time"
    }
}

/// What a summary column is: readers group, aggregate and plot by role, never
/// by a column's name or position.
public enum SummaryRole: String, Sendable, CaseIterable {
    /// A swept key's value (`init_scale`, `l2`, `data.n`).
    case coordinate
    /// A replicate index (`rep`, from `repeat: N`): aggregated over.
    case replicate
    /// A cross-validation fold (`fold`): aggregated over.
    case fold
    /// The fit stage of a point, when several are gathered.
    case stage
    /// How training ended: `status`, `stop`, `converged`, `steps`, `lr`, `time`.
    case outcome
    /// A final metric.
    case metric

    /// Whether the column says where a point is (rather than what it found).
    public var locates: Bool { self == .coordinate || self == .replicate || self == .fold || self == .stage }
}
