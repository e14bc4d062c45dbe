/// The parameterization w = φ(θ) a fit trains.
public enum ModelKind: Hashable, Sendable, CustomStringConvertible {
    /// w itself; w₀ = α·1 (or α·z), 0 by default.
    case linear
    /// w = u∘u, u₀ = α·1: nonnegative weights; small α biases towards sparse ones.
    case squared
    /// w = u^D − v^D, u₀ = v₀ = α·1, depth D ≥ 2 (D = 2: the diagonal linear
    /// network of Woodworth et al., COLT 2020).
    case diagonal(depth: Int)

    public var description: String {
        switch self {
        case .linear: return "linear"
        case .squared: return "squared"
        case .diagonal(let depth): return "diagonal(depth \(depth))"
        }
    }
}

/// The data-fit term L(w).
public enum LossKind: String, Hashable, Sendable, CaseIterable {
    /// 1/(2n)·‖Xw − y‖².
    case squared
    /// mean log(1 + exp(−yᵢ·xᵢᵀw)) for labels ±1, evaluated without overflow.
    case logistic
}

/// How initial parameters are drawn.
public enum InitShape: String, Hashable, Sendable, CaseIterable {
    /// Every parameter α.
    case constant
    /// α·|z| with z standard normal (α·z for `linear`), seeded per point.
    case gaussian
}

/// The explicit penalties of one point, added to the loss.
public struct Penalty: Hashable, Sendable {
    /// λ/2·‖w‖² on the weights.
    public var l2: Double
    /// λ/2·(‖u‖² + ‖v‖²) on the model's parameters (for `linear`, the same as `l2`).
    public var weightDecay: Double
    /// λ·‖w‖₁ on the weights, by a proximal step; `linear` only.
    public var l1: Double

    public init(l2: Double = 0, weightDecay: Double = 0, l1: Double = 0) {
        self.l2 = l2
        self.weightDecay = weightDecay
        self.l1 = l1
    }
}

/// The optimizer's method.
public enum OptimizerMethod: Hashable, Sendable {
    /// Full-batch gradient descent.
    case gd
    /// Minibatch stochastic gradient descent: each epoch visits the rows in a new
    /// seeded order, `batchSize` at a time.
    case sgd(batchSize: Int)
    /// No iterations: the closed-form solution (linear model, squared loss) is
    /// given as the initial weights (`Trainer`'s `initialWeights`) and measured.
    case exact
}

/// The step size η.
public enum LearningRate: Hashable, Sendable {
    case fixed(Double)
    /// η = scale / L, with L the smoothness bound of `StepSize.auto` (read there
    /// for the rule).
    case auto(scale: Double)
}

/// When a point stops. It always stops after `steps` updates; earlier when the
/// training objective falls to `tol`, when it changes by no more than
/// `rtol`·|objective| in one step, or when the relative residual ‖Xw − y‖/‖y‖
/// falls to `residualTol` (squared loss). It stops as `diverged` when the
/// training loss becomes NaN or infinite, or exceeds `divergenceFactor` × its
/// initial value. Full-batch GD checks every step; SGD checks when it evaluates
/// the full objective (every `recordEvery` steps, or once an epoch).
public struct Stopping: Hashable, Sendable {
    public var steps: Int
    public var tol: Double?
    public var rtol: Double?
    public var residualTol: Double?
    public var divergenceFactor: Double

    public init(steps: Int, tol: Double? = nil, rtol: Double? = nil, residualTol: Double? = nil,
                divergenceFactor: Double = 1e10) {
        self.steps = steps
        self.tol = tol
        self.rtol = rtol
        self.residualTol = residualTol
        self.divergenceFactor = divergenceFactor
    }
}

/// Everything that defines one fit: one point of a sweep.
public struct FitSpec: Hashable, Sendable {
    public var model: ModelKind
    public var loss: LossKind
    /// α, the initialization scale.
    public var initScale: Double
    public var initShape: InitShape
    public var penalty: Penalty
    public var method: OptimizerMethod
    public var learningRate: LearningRate
    public var stopping: Stopping
    /// Record the trajectory every this many steps (0: no trajectory).
    public var recordEvery: Int

    public init(model: ModelKind, loss: LossKind = .squared, initScale: Double, initShape: InitShape = .constant,
                penalty: Penalty = Penalty(), method: OptimizerMethod = .gd,
                learningRate: LearningRate = .auto(scale: 1), stopping: Stopping, recordEvery: Int = 0) {
        self.model = model
        self.loss = loss
        self.initScale = initScale
        self.initShape = initShape
        self.penalty = penalty
        self.method = method
        self.learningRate = learningRate
        self.stopping = stopping
        self.recordEvery = recordEvery
    }

    /// The most updates this point takes: none for `exact`, whose weights are given.
    public var stepBudget: Int { method == .exact ? 0 : stopping.steps }

    /// What points must share to train in one batch: the same parameterization,
    /// loss, optimizer and recording grid. Everything else — α, λ, step size,
    /// stopping rule — may differ per column.
    public struct BatchKey: Hashable, Sendable {
        public var model: ModelKind
        public var loss: LossKind
        public var method: OptimizerMethod
        public var recordEvery: Int
    }

    public var batchKey: BatchKey {
        BatchKey(model: model, loss: loss, method: method, recordEvery: recordEvery)
    }

    /// Problems with the spec, in words (empty when it is valid).
    public var problems: [String] {
        var problems: [String] = []
        if case .diagonal(let depth) = model, depth < 2 { problems.append("depth must be at least 2 (got \(depth))") }
        if !initScale.isFinite || initScale < 0 { problems.append("init_scale must be finite and ≥ 0 (got \(initScale))") }
        if model != .linear, initScale == 0 {
            problems.append("init_scale must be positive for the \(model) model: from α = 0 its gradient is zero")
        }
        for (name, value) in [("l2", penalty.l2), ("weight_decay", penalty.weightDecay), ("l1", penalty.l1)]
        where !value.isFinite || value < 0 {
            problems.append("\(name) must be finite and ≥ 0 (got \(value))")
        }
        if penalty.l1 > 0, model != .linear { problems.append("l1 needs the linear model (a proximal step on w)") }
        if case .sgd(let size) = method, size < 1 { problems.append("batch_size must be at least 1 (got \(size))") }
        if method == .exact, model != .linear || loss != .squared || penalty.l1 > 0 {
            problems.append("method exact solves the linear model with the squared loss and l2 (or weight_decay) only")
        }
        switch learningRate {
        case .fixed(let rate) where !(rate > 0) || !rate.isFinite: problems.append("lr must be positive (got \(rate))")
        case .auto(let scale) where !(scale > 0) || !scale.isFinite: problems.append("the lr scale must be positive (got \(scale))")
        default: break
        }
        if stopping.steps < 0 { problems.append("steps must be ≥ 0 (got \(stopping.steps))") }
        if recordEvery < 0 { problems.append("record.every must be ≥ 0 (got \(recordEvery))") }
        return problems
    }
}
