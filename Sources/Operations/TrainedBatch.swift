/// One trained fit batch as the cache keeps it and the gathering ops read it: every point's final weights,
/// metrics and trajectory, and what the results file needs beside them (the
/// truth, the references, the feature names). Written in one file, renamed into
/// place whole: a batch is cached completely or not at all.
public struct TrainedBatch: Sendable {
    public var stage: String
    /// The data instance the batch trained on (the results file's truth source).
    public var dataKey: String
    public var pointKeys: [String]
    public var metricNames: [String]
    public var featureNames: [String]
    public var recordedSteps: [Int]
    /// Per point.
    public var weights: [[Double]]
    public var metrics: [[Double]]
    public var status: [String]
    public var stop: [String]
    public var steps: [Double]
    public var learningRates: [Double]
    /// The flow time reached: lr·steps for GD and SGD, the integrated time for
    /// method flow, NaN for exact.
    public var times: [Double]
    /// 1, 0 or NaN per point (`FitResult.converged`).
    public var converged: [Double]
    public var seconds: [Double]
    /// Per metric, per point: values at `recordedSteps`.
    public var trajectories: [[[Double]]]
    public var truth: [Double]?
    public var fixedReferences: [(name: String, weights: [Double])]
    /// Per reference, per point.
    public var matchedReferences: [(name: String, weights: [[Double]])]
    /// A denoiser batch (a fit of diffusion pairs): per point, its denoiser
    /// (`DenoiserWeights.flattened`; empty for the empirical-optimal one),
    /// over `denoiserSteps` steps; `weights` are then empty.
    public var denoisers: [[Double]]? = nil
    public var denoiserSteps = 0
    /// m, each denoiser's outputs (the dimension the diffusion runs in).
    public var denoiserOutputs = 0

    public var count: Int { pointKeys.count }
    public var features: Int { featureNames.count }

    public init(stage: String, dataKey: String, pointKeys: [String], metricNames: [String], featureNames: [String],
                recordedSteps: [Int], weights: [[Double]], metrics: [[Double]], status: [String], stop: [String],
                steps: [Double], learningRates: [Double], times: [Double]? = nil, converged: [Double]? = nil, seconds: [Double], trajectories: [[[Double]]],
                truth: [Double]?, fixedReferences: [(name: String, weights: [Double])],
                matchedReferences: [(name: String, weights: [[Double]])]) {
        self.stage = stage
        self.dataKey = dataKey
        self.pointKeys = pointKeys
        self.metricNames = metricNames
        self.featureNames = featureNames
        self.recordedSteps = recordedSteps
        self.weights = weights
        self.metrics = metrics
        self.status = status
        self.stop = stop
        self.steps = steps
        self.learningRates = learningRates
        self.times = times ?? zip(steps, learningRates).map { $0 * $1 }
        self.converged = converged ?? Array(repeating: .nan, count: steps.count)
        self.seconds = seconds
        self.trajectories = trajectories
        self.truth = truth
        self.fixedReferences = fixedReferences
        self.matchedReferences = matchedReferences
    }
}
