import CLBFGS

/// L-BFGS, and OWL-QN for an ℓ1 penalty, by liblbfgs (Naoaki Okazaki's, the
/// library CRFsuite trains with). The objective is given without its ℓ1 term;
/// liblbfgs adds c·Σ|θᵢ| over `l1Range` itself.
public enum LBFGS {
    public struct Options: Sendable {
        /// Stop when ‖g‖ < epsilon·max(1, ‖θ‖).
        public var epsilon = 1e-5
        /// Stop when the objective fell by less than `delta` relatively over `past` iterations (0: no such test).
        public var past = 0
        public var delta = 0.0
        /// The most iterations (0: no limit).
        public var maxIterations = 0
        /// c of c·‖θ‖₁, and the coordinates it covers.
        public var l1 = 0.0
        public var l1Range: Range<Int> = 0..<0

        public init() {}
    }

    public struct Result: Sendable {
        public var theta: [Double]
        public var iterations: Int
        public var evaluations: Int
        /// liblbfgs's return code (0: converged, `LBFGSERR_MAXIMUMITERATION`, …).
        public var status: Int32
        public var message: String

        /// Converged by its own test (gradient or delta), rather than a budget or an error.
        public var converged: Bool { status == 0 || status == Int32(LBFGS_ALREADY_MINIMIZED) }
        public var reachedIterationLimit: Bool { status == Int32(LBFGSERR_MAXIMUMITERATION) }
        /// Stopped by the delta test (the objective's relative decrease over `past`
        /// iterations below `delta`), or by cancellation.
        public var stoppedEarly: Bool { status == Int32(LBFGS_STOP) }
    }

    /// The objective and its gradient at θ (the gradient buffer is zeroed before each call).
    public typealias Objective = (UnsafePointer<Double>, UnsafeMutableBufferPointer<Double>) -> Double

    final class Context {
        let objective: Objective
        let count: Int
        var evaluations = 0
        var iterations = 0
        let cancelled: (() -> Bool)?
        init(objective: @escaping Objective, count: Int, cancelled: (() -> Bool)?) {
            self.objective = objective
            self.count = count
            self.cancelled = cancelled
        }
    }

    public static func minimize(_ start: [Double], options: Options, cancelled: (() -> Bool)? = nil,
                                objective: @escaping Objective) -> Result {
        let n = start.count
        guard n > 0, let x = lbfgs_malloc(Int32(n)) else {
            return Result(theta: start, iterations: 0, evaluations: 0, status: -1, message: "no memory for L-BFGS")
        }
        defer { lbfgs_free(x) }
        for i in 0..<n { x[i] = start[i] }
        var parameters = lbfgs_parameter_t()
        lbfgs_parameter_init(&parameters)
        parameters.epsilon = options.epsilon
        parameters.past = Int32(options.past)
        parameters.delta = options.delta
        parameters.max_iterations = Int32(options.maxIterations)
        if options.l1 > 0 {
            // OWL-QN needs the backtracking line search.
            parameters.orthantwise_c = options.l1
            parameters.orthantwise_start = Int32(options.l1Range.lowerBound)
            parameters.orthantwise_end = Int32(options.l1Range.upperBound)
            parameters.linesearch = Int32(LBFGS_LINESEARCH_BACKTRACKING)
        }
        let context = Context(objective: objective, count: n, cancelled: cancelled)
        let box = Unmanaged.passRetained(context)
        defer { box.release() }
        var value = 0.0
        let status = lbfgs(Int32(n), x, &value, { instance, x, g, n, _ in
            let context = Unmanaged<Context>.fromOpaque(instance!).takeUnretainedValue()
            context.evaluations += 1
            let gradient = UnsafeMutableBufferPointer(start: g!, count: Int(n))
            gradient.update(repeating: 0)
            return context.objective(x!, gradient)
        }, { instance, _, _, _, _, _, _, _, k, _ in
            let context = Unmanaged<Context>.fromOpaque(instance!).takeUnretainedValue()
            context.iterations = Int(k)
            return context.cancelled?() == true ? 1 : 0
        }, box.toOpaque(), &parameters)
        let theta = (0..<n).map { x[$0] }
        return Result(theta: theta, iterations: context.iterations, evaluations: context.evaluations,
                      status: status, message: LBFGS.describe(status))
    }

    static func describe(_ status: Int32) -> String {
        switch status {
        case 0: return "converged"
        case Int32(LBFGS_STOP): return "stopped"
        case Int32(LBFGS_ALREADY_MINIMIZED): return "already at a minimum"
        case Int32(LBFGSERR_MAXIMUMITERATION): return "the iteration budget was spent"
        case Int32(LBFGSERR_ROUNDING_ERROR): return "rounding errors prevent further progress"
        case Int32(LBFGSERR_MAXIMUMLINESEARCH): return "the line search took too many evaluations"
        default: return "liblbfgs status \(status)"
        }
    }
}
