import Datasets
import LinearAlgebra

/// The reference solutions a `reference` stage offers.
public enum ReferenceSolution: String, Sendable, CaseIterable {
    /// X⁺y, the minimum-norm least-squares solution.
    case minL2 = "min_l2"
    /// min ‖w‖₁ s.t. Xw = y (basis pursuit).
    case minL1 = "min_l1"
    /// Ridge, at a given λ or each fit point's l2.
    case ridge
    /// The Woodworth et al. limit, at a given α or each fit point's init_scale.
    case qAlpha = "q_alpha"
    /// w₀ + X⁺(y − Xw₀) from each fit point's initial w₀.
    case minL2Init = "min_l2_init"
}

/// A reference solution computed for each fit point from the point's own
/// parameters, rather than once for the data.
public enum MatchedReference: String, Sendable, CaseIterable {
    /// Ridge at the point's `l2`.
    case ridge
    /// The Woodworth et al. limit at the point's `init_scale`.
    case qAlpha = "q_alpha"
    /// The interpolant closest to the point's initial weights: w₀ + X⁺(y − Xw₀),
    /// where gradient descent on the linear model from w₀ converges.
    case minL2FromInit = "min_l2_init"
}

/// One batch of fit points to train, with everything they are measured against.
public struct FitBatch: Sendable {
    public var train: Dataset
    public var test: Dataset?
    public var points: [FitSpec]
    /// One stream per point, for a Gaussian initialization.
    public var initStreams: [RandomStream]
    /// The minibatch order SGD shares across the batch.
    public var orderStream: RandomStream
    /// References computed once for the data (min_l2, min_l1, ridge at a fixed λ, …).
    public var fixedReferences: [(name: String, weights: [Double])]
    /// References computed per point from its parameters.
    public var matchedReferences: [MatchedReference]
    /// The thin SVD of the training data, for the closed forms (method exact,
    /// matched ridge and min_l2_init): by default computed by the batch; a run
    /// shares one per data set across its batches (`SpectrumCache`).
    public var spectrum: @Sendable (Matrix, [Double]) throws -> LinearSpectrum = { try LinearSpectrum($0, $1) }

    public init(train: Dataset, test: Dataset?, points: [FitSpec], initStreams: [RandomStream], orderStream: RandomStream,
                fixedReferences: [(name: String, weights: [Double])] = [], matchedReferences: [MatchedReference] = []) {
        self.train = train
        self.test = test
        self.points = points
        self.initStreams = initStreams
        self.orderStream = orderStream
        self.fixedReferences = fixedReferences
        self.matchedReferences = matchedReferences
    }

    /// What a trained batch hands back: every point's result, and the
    /// references its metrics were measured against.
    public struct Outcome: Sendable {
        /// The trainer's output, with `asymptotic_risk` appended as a metric
        /// (constant along the trajectory) when it applies.
        public var output: BatchOutput
        public var fixedReferences: [(name: String, weights: [Double])]
        /// Per matched reference, one solution per point.
        public var matchedReferences: [(name: String, weights: [[Double]])]
    }

    /// Solves the per-point references and the closed form of `exact` points,
    /// then trains every point to its stopping rule. `cancelled` is polled while
    /// training (a cancelled batch returns `output.cancelled`); `progress` hears
    /// how many points have finished.
    public func run(cancelled: (@Sendable () -> Bool)? = nil, progress: ((Int) -> Void)? = nil) throws -> Outcome {
        guard let first = points.first else { throw LearningError("a batch needs at least one point") }
        let x = train.x, y = train.y
        // One SVD of X for every closed form of the batch, made when first needed.
        var factorization: LinearSpectrum?
        func spectrum() throws -> LinearSpectrum {
            if let factorization { return factorization }
            let made = try self.spectrum(x, y)
            factorization = made
            return made
        }
        // Matched references: one solution per point, each distinct value solved once.
        var matched: [(name: String, weights: [[Double]])] = []
        let order = matchedReferences.filter { $0 == .minL2FromInit } + matchedReferences.filter { $0 != .minL2FromInit }
        for kind in order {
            do {
                switch kind {
                case .minL2FromInit:
                    let starts = Trainer.initialWeights(model: first.model, points: points, streams: initStreams, features: train.features)
                    matched.append((kind.rawValue, try spectrum().minimumNorm(x: x, y: y, from: starts)))
                case .ridge:
                    matched.append((kind.rawValue, try spectrum().ridge(lambdas: points.map(\.penalty.l2))))
                case .qAlpha:
                    // The limit of the batch's own depth (a batch shares its model).
                    let depth: Int
                    if case .diagonal(let modelDepth) = first.model { depth = modelDepth } else { depth = 2 }
                    matched.append((kind.rawValue, try FitBatch.solvedOncePerValue(points.map(\.initScale)) {
                        try QAlpha.solve(x, y, alpha: $0, depth: depth)
                    }))
                }
            } catch {
                throw LearningError("reference \(kind.rawValue): \(error)")
            }
        }
        // Method exact: the closed form is the point's "initial" weights — ridge
        // at l2 + weight_decay (the same penalty for the linear model), the
        // minimum-norm solution at 0 — all from the one SVD.
        var exact: [[Double]]?
        if first.method == .exact {
            exact = try spectrum().ridge(lambdas: points.map { $0.penalty.l2 + $0.penalty.weightDecay })
        }
        let problem = FitProblem(train: train, test: test, references: fixedReferences, perPointReferences: matched)
        let trainer = try Trainer(problem: problem, points: points, initStreams: initStreams, orderStream: orderStream,
                                  initialWeights: exact)
        trainer.cancellation = cancelled
        var output = trainer.run(progress: progress)
        if let risks = AsymptoticRisk.values(specs: points, train: train) {
            // A constant per point, recorded wherever the point's objective is.
            output.metricNames.append("asymptotic_risk")
            for k in output.results.indices {
                output.results[k].metrics.append(risks[k])
                output.results[k].trajectory.append(output.results[k].trajectory[0].map { $0.isNaN ? .nan : risks[k] })
            }
        }
        return Outcome(output: output, fixedReferences: fixedReferences, matchedReferences: matched)
    }

    /// `solve` of each value, in order, each distinct value solved once.
    static func solvedOncePerValue(_ values: [Double], _ solve: (Double) throws -> [Double]) throws -> [[Double]] {
        var solved: [Double: [Double]] = [:]
        return try values.map { value in
            if let known = solved[value] { return known }
            let solution = try solve(value)
            solved[value] = solution
            return solution
        }
    }
}
