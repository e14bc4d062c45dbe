/// How a point's training ended.
public enum FitStatus: String, Sendable, Equatable, CaseIterable {
    /// Trained to a stopping rule.
    case ok
    /// The objective became NaN or infinite, or exploded; `steps` says when.
    case diverged
    /// The point could not be trained at all (set by the engine, never by the trainer).
    case failed
}

/// Which rule stopped a point.
public enum StopReason: String, Sendable, Equatable {
    /// `steps` updates were taken.
    case steps
    /// The objective fell to `tol`.
    case tol
    /// The objective changed by no more than `rtol` relative in one step.
    case rtol
    /// The relative residual fell to `residual_tol`.
    case residual
    /// Divergence.
    case diverged
    /// The closed form was given (method exact).
    case solved
    /// Flow: the time budget t_max was reached.
    case time
    /// Flow: the budget of gradient evaluations was spent.
    case evaluations
    /// Flow: the integrator failed (step size underflow, a non-finite state);
    /// the point is `failed` at the time it reached. L-BFGS: its line search
    /// could not make progress (rounding errors near the optimum, most often).
    case solver
    /// L-BFGS: the gradient fell below gtol·max(1, ‖θ‖).
    case gradient
}

/// One point's outcome: final weights, final metrics, and its trajectory.
public struct FitResult: Sendable {
    /// The final weights w (d).
    public var weights: [Double]
    public var status: FitStatus
    public var stopReason: StopReason
    /// Updates taken (the step of divergence, for a diverged point); for flow,
    /// the integrator's steps.
    public var steps: Int
    /// The step size used (for flow, the unit of time: step s is time η·s).
    public var learningRate: Double
    /// The flow time reached: η·steps for GD and SGD, NaN for exact.
    public var time: Double
    /// 1 when the stopping rule the point asked for (tol, rtol, residual_tol;
    /// exact's closed form) ended it, 0 when a budget (steps, t_max,
    /// evaluations) or a divergence or failure did first, NaN when it asked
    /// for no rule but its budget.
    public var converged: Double
    /// Flow: gradient evaluations and Jacobians formed (0 for the other methods).
    public var evaluations: Int
    public var jacobians: Int
    /// Final metric values, in the order of `BatchOutput.metricNames`.
    public var metrics: [Double]
    /// Per metric, the recorded values at `BatchOutput.recordedSteps` (NaN after
    /// the point stopped).
    public var trajectory: [[Double]]
    /// Wall-clock seconds from the start of the batch until this point stopped.
    public var seconds: Double
}

/// What a batch returns.
public struct BatchOutput: Sendable {
    /// The metric names, in the order of every `FitResult.metrics`.
    public var metricNames: [String]
    /// The recorded steps: 0, every, 2·every, … up to the largest step budget.
    public var recordedSteps: [Int]
    /// One result per point, in the order the points were given.
    public var results: [FitResult]
    /// Whether `Trainer.cancellation` stopped the batch before every point finished.
    public var cancelled = false
    /// Where the iterates lived (`TrainingSpace`).
    public var space = TrainingSpace.weights
    /// Why points failed (method flow: the integrator's message), by point.
    public var messages: [(point: Int, message: String)] = []

    /// A final metric of one point by name.
    public func metric(_ name: String, point: Int) -> Double? {
        metricNames.firstIndex(of: name).map { results[point].metrics[$0] }
    }

    /// A trajectory of one point by name.
    public func trajectory(_ name: String, point: Int) -> [Double]? {
        metricNames.firstIndex(of: name).map { results[point].trajectory[$0] }
    }
}
