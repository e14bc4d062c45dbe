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

/// The families of `ModelKind`, as a pipeline names them.
public enum ModelFamily: String, Sendable, CaseIterable {
    case linear, squared, diagonal

    /// The model of this family (`depth` matters for diagonal only).
    public func kind(depth: Int) -> ModelKind {
        switch self {
        case .linear: return .linear
        case .squared: return .squared
        case .diagonal: return .diagonal(depth: depth)
        }
    }
}

extension ModelKind {
    public var family: ModelFamily {
        switch self {
        case .linear: return .linear
        case .squared: return .squared
        case .diagonal: return .diagonal
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
    /// Gradient flow, the limit η → 0 of GD, integrated by an implicit adaptive
    /// method with error control (`GradientFlow`); time t corresponds to GD's
    /// step t/η.
    case flow(FlowTolerance)
}

/// The local error the flow integrator allows per step: `relative`·|sᵢ| +
/// `absolute` on each coordinate of its state (`GradientFlow`).
public struct FlowTolerance: Hashable, Sendable {
    public var relative: Double
    public var absolute: Double

    public init(relative: Double = 1e-8, absolute: Double = 1e-12) {
        self.relative = relative
        self.absolute = absolute
    }
}

extension OptimizerMethod {
    public var isFlow: Bool {
        if case .flow = self { return true }
        return false
    }
}

/// The kinds of `OptimizerMethod`, as a pipeline names them.
public enum OptimizerKind: String, Sendable, CaseIterable {
    case gd, sgd, exact, flow

    public func method(batchSize: Int, flowTolerance: FlowTolerance = FlowTolerance()) -> OptimizerMethod {
        switch self {
        case .gd: return .gd
        case .sgd: return .sgd(batchSize: batchSize)
        case .exact: return .exact
        case .flow: return .flow(flowTolerance)
        }
    }
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
///
/// Gradient flow checks the same rules after every step of its integrator
/// (`rtol` then compares consecutive integrator steps), and stops at the flow
/// time `timeBudget` (default η·`steps`, the time GD reaches in `steps`) or
/// after `evaluations` gradient evaluations.
public struct Stopping: Hashable, Sendable {
    public var steps: Int
    public var tol: Double?
    public var rtol: Double?
    public var residualTol: Double?
    public var divergenceFactor: Double
    /// Flow only: the flow time t_max (nil: η·steps).
    public var timeBudget: Double?
    /// Flow only: the most gradient evaluations (right-hand sides of the ODE).
    public var evaluations: Int

    public init(steps: Int, tol: Double? = nil, rtol: Double? = nil, residualTol: Double? = nil,
                divergenceFactor: Double = 1e10, timeBudget: Double? = nil, evaluations: Int = 1_000_000) {
        self.steps = steps
        self.tol = tol
        self.rtol = rtol
        self.residualTol = residualTol
        self.divergenceFactor = divergenceFactor
        self.timeBudget = timeBudget
        self.evaluations = evaluations
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

    /// The most updates this point takes: none for `exact`, whose weights are
    /// given. For flow, the GD-equivalent steps its trajectory covers.
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

    /// What a fit's validity rules read: `rules` name these, and the pipeline
    /// maps each to its key, so a problem points at the key written wrong.
    public enum Field: String, Sendable, CaseIterable {
        case model, depth, loss, initScale, initShape, l2, weightDecay, l1, method, batchSize, learningRate, steps, recordEvery
        case timeBudget, evaluations, flowTolerance
    }

    /// One rule a valid spec obeys: the fields it reads, and its complaint.
    public struct Rule: Sendable {
        /// The fields the rule reads; the first is the one a problem points at.
        public let fields: [Field]
        public let problem: @Sendable (FitSpec) -> String?
    }

    /// Every rule of a valid spec: the one validator of fits, used by the
    /// trainer and (through the fit op) by `regime check`.
    public static let rules: [Rule] = [
        Rule(fields: [.depth, .model]) { spec in
            if case .diagonal(let depth) = spec.model, depth < 2 { return "depth must be at least 2 (got \(depth))" }
            return nil
        },
        Rule(fields: [.initScale]) { spec in
            !spec.initScale.isFinite || spec.initScale < 0 ? "init_scale must be finite and ≥ 0 (got \(spec.initScale))" : nil
        },
        Rule(fields: [.initScale, .model]) { spec in
            spec.model != .linear && spec.initScale == 0
                ? "init_scale must be positive for the \(spec.model.family.rawValue) model: from α = 0 its gradient is zero" : nil
        },
        Rule(fields: [.l2]) { spec in nonNegative("l2", spec.penalty.l2) },
        Rule(fields: [.weightDecay]) { spec in nonNegative("weight_decay", spec.penalty.weightDecay) },
        Rule(fields: [.l1]) { spec in nonNegative("l1", spec.penalty.l1) },
        Rule(fields: [.l1, .model]) { spec in
            spec.penalty.l1 > 0 && spec.model != .linear ? "l1 needs model: linear (it is a proximal step on w)" : nil
        },
        Rule(fields: [.batchSize, .method]) { spec in
            if case .sgd(let size) = spec.method, size < 1 { return "batch_size must be at least 1 (got \(size))" }
            return nil
        },
        Rule(fields: [.method, .model, .loss, .l1]) { spec in
            spec.method == .exact && (spec.model != .linear || spec.loss != .squared || spec.penalty.l1 > 0)
                ? "method exact solves the linear model with the squared loss and l2 (or weight_decay) only" : nil
        },
        Rule(fields: [.learningRate]) { spec in
            switch spec.learningRate {
            case .fixed(let rate) where !(rate > 0) || !rate.isFinite: return "lr must be positive (got \(rate))"
            case .auto(let scale) where !(scale > 0) || !scale.isFinite: return "the lr scale must be positive (got \(scale))"
            default: return nil
            }
        },
        Rule(fields: [.steps]) { spec in spec.stopping.steps < 0 ? "steps must be ≥ 0 (got \(spec.stopping.steps))" : nil },
        // Gradient flow integrates w = φ(θ(t)) through the row space of X
        // (`GradientFlow`): what leaves it, or is not a flow, is refused.
        Rule(fields: [.l1, .method]) { spec in
            spec.method.isFlow && spec.penalty.l1 > 0
                ? "method flow cannot take l1's proximal step (it is not a gradient); use method gd, or l2 / weight_decay" : nil
        },
        Rule(fields: [.l2, .method, .model]) { spec in
            spec.method.isFlow && spec.penalty.l2 > 0 && spec.model != .linear
                ? "method flow integrates the \(spec.model.family.rawValue) model in the row space of X, which l2 on w leaves; use weight_decay (on the parameters) or method gd" : nil
        },
        Rule(fields: [.initShape, .method, .model]) { spec in
            spec.method.isFlow && spec.initShape == .gaussian && spec.model != .linear
                ? "method flow starts the \(spec.model.family.rawValue) model at u = v = α·1 (init: constant); use method gd for a gaussian init" : nil
        },
        Rule(fields: [.timeBudget]) { spec in
            if let budget = spec.stopping.timeBudget, !(budget > 0) || !budget.isFinite { return "t_max must be positive and finite (got \(budget))" }
            return nil
        },
        Rule(fields: [.evaluations]) { spec in
            spec.stopping.evaluations < 1 ? "evaluations must be at least 1 (got \(spec.stopping.evaluations))" : nil
        },
        Rule(fields: [.flowTolerance]) { spec in
            guard case .flow(let tolerance) = spec.method else { return nil }
            if !(tolerance.relative > 0) || !(tolerance.relative < 1) { return "ode_rtol must be in (0, 1) (got \(tolerance.relative))" }
            if !(tolerance.absolute > 0) || !tolerance.absolute.isFinite { return "ode_atol must be positive (got \(tolerance.absolute))" }
            return nil
        },
        Rule(fields: [.recordEvery]) { spec in spec.recordEvery < 0 ? "record.every must be ≥ 0 (got \(spec.recordEvery))" : nil },
    ]

    /// Problems with the spec: the field each points at and the message
    /// (empty when it is valid).
    public var problems: [(field: Field, message: String)] {
        FitSpec.rules.compactMap { rule in rule.problem(self).map { (rule.fields[0], $0) } }
    }

    private static func nonNegative(_ name: String, _ value: Double) -> String? {
        !value.isFinite || value < 0 ? "\(name) must be finite and ≥ 0 (got \(value))" : nil
    }
}
