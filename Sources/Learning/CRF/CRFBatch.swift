import Datasets
import Foundation
import LinearAlgebra

/// How a CRF point is trained.
public enum CRFMethod: Hashable, Sendable {
    /// L-BFGS (OWL-QN with l1) by liblbfgs; stops when ‖g‖ < gtol·max(1, ‖θ‖).
    case lbfgs(gtol: Double)
    /// Full-batch gradient descent (a proximal step for l1).
    case gd
}

/// One CRF point: the model (with or without transitions), its penalties and training.
public struct CRFSpec: Hashable, Sendable {
    public var layout: CRFLayout
    /// λ of λ/2·‖θ‖² (l2 plus weight decay) and of λ·‖θ‖₁, on every parameter.
    public var l2: Double
    public var l1: Double
    public var method: CRFMethod
    public var learningRate: LearningRate
    public var stopping: Stopping
    /// GD records every this many steps (0: never); L-BFGS records nothing.
    public var recordEvery: Int

    public init(layout: CRFLayout, l2: Double = 0, l1: Double = 0, method: CRFMethod = .lbfgs(gtol: 1e-5),
                learningRate: LearningRate = .auto(scale: 1), stopping: Stopping = Stopping(steps: 1000), recordEvery: Int = 0) {
        self.layout = layout
        self.l2 = l2
        self.l1 = l1
        self.method = method
        self.learningRate = learningRate
        self.stopping = stopping
        self.recordEvery = recordEvery
    }
}

/// A batch of CRF points on one data set.
public struct CRFBatch: Sendable {
    public var train: Sequences
    public var test: Sequences?
    public var truth: SequenceTruth?
    public var points: [CRFSpec]

    public init(train: Sequences, test: Sequences?, truth: SequenceTruth?, points: [CRFSpec]) {
        self.train = train
        self.test = test
        self.truth = truth
        self.points = points
    }

    /// The metric names, in order.
    public func metricNames() -> [String] {
        var names = ["objective", "train_nll", "train_token_accuracy", "train_sequence_accuracy"]
        if test != nil { names += ["test_nll", "test_token_accuracy", "test_sequence_accuracy"] }
        names += ["l1_norm", "l2_norm", "nonzeros"]
        if truth != nil { names.append("transition_distance") }
        if truth?.informative != nil { names += ["support_precision", "support_recall"] }
        return names
    }

    public func run(cancelled: (@Sendable () -> Bool)? = nil) -> CRFOutput {
        let start = Date()
        let names = metricNames()
        var results: [CRFResult] = []
        for point in points {
            if cancelled?() == true { return CRFOutput(metricNames: names, recordedSteps: [], results: results, cancelled: true) }
            var result = train(point, cancelled: cancelled)
            // A point cut short by cancellation is not a result.
            if cancelled?() == true { return CRFOutput(metricNames: names, recordedSteps: [], results: results, cancelled: true) }
            result.seconds = Date().timeIntervalSince(start)
            results.append(result)
        }
        let recorded = Array(Set(results.flatMap { $0.trajectory.map(\.step) })).sorted()
        return CRFOutput(metricNames: names, recordedSteps: recorded, results: results, cancelled: false)
    }

    /// The objective's smooth part at θ: mean NLL + λ/2‖θ‖², its gradient added into `gradient`.
    func smoothObjective(_ crf: LinearChainCRF, _ point: CRFSpec, _ theta: [Double],
                         gradient: UnsafeMutableBufferPointer<Double>?, workspace: inout LinearChainCRF.Workspace) -> Double {
        let nll = crf.negativeLogLikelihood(theta, train, gradient: gradient, workspace: &workspace)
        var penalty = 0.0
        for (i, value) in theta.enumerated() {
            penalty += value * value
            gradient?[i] += point.l2 * value
        }
        return nll + 0.5 * point.l2 * penalty
    }

    func train(_ point: CRFSpec, cancelled: (@Sendable () -> Bool)?) -> CRFResult {
        let crf = LinearChainCRF(layout: point.layout)
        let n = point.layout.count
        var workspace = LinearChainCRF.Workspace(states: point.layout.states, data: train)
        switch point.method {
        case .lbfgs(let gtol):
            var options = LBFGS.Options()
            options.epsilon = gtol
            // liblbfgs reads 0 as no limit: no steps is no iterations here, as for GD.
            guard point.stopping.steps > 0 else {
                let zero = [Double](repeating: 0, count: n), metrics = measure(crf, point, zero)
                return CRFResult(theta: zero, metrics: metrics, status: .ok, stop: .steps, steps: 0, learningRate: .nan,
                                 converged: 0, trajectory: [], seconds: 0, message: nil, value: metrics[0])
            }
            options.maxIterations = min(point.stopping.steps, Int(Int32.max))
            if let rtol = point.stopping.rtol { options.past = 1; options.delta = rtol }
            options.l1 = point.l1
            options.l1Range = 0..<n
            var theta = [Double](repeating: 0, count: n)
            let outcome = LBFGS.minimize(theta, options: options, cancelled: cancelled) { x, g in
                for i in 0..<n { theta[i] = x[i] }
                return self.smoothObjective(crf, point, theta, gradient: g, workspace: &workspace)
            }
            // liblbfgs ends a tight run on rounding errors in its line search as
            // often as on its own test; such an end counts as converged when the
            // (pseudo-)gradient is at rounding level, 1e-4·max(1, ‖θ‖).
            let metrics = measure(crf, point, outcome.theta), value = metrics[0]
            let stationarity = pseudoGradientNorm(crf, point, outcome.theta, workspace: &workspace) / max(1, norm(outcome.theta))
            let stop: StopReason
            var status = FitStatus.ok
            if !value.isFinite {
                (stop, status) = (.diverged, .diverged)
            } else if outcome.stoppedEarly, point.stopping.rtol != nil, cancelled?() != true {
                stop = .rtol
            } else if outcome.converged {
                stop = .gradient
            } else if outcome.reachedIterationLimit {
                stop = .steps
            } else {
                stop = stationarity <= max(gtol, 1e-4) ? .gradient : .solver
            }
            return CRFResult(theta: outcome.theta, metrics: metrics, status: status, stop: stop,
                             steps: outcome.iterations, learningRate: .nan,
                             converged: stop == .gradient || stop == .rtol ? 1 : 0, trajectory: [], seconds: 0,
                             message: stop == .solver ? outcome.message : nil, value: value)
        case .gd:
            return gradientDescent(crf, point, workspace: &workspace, cancelled: cancelled)
        }
    }

    /// ‖the minimum-norm subgradient‖ at θ: the gradient of the smooth part,
    /// plus λ₁·sign(θᵢ) where θᵢ ≠ 0, and shrunk by λ₁ towards 0 where θᵢ = 0.
    func pseudoGradientNorm(_ crf: LinearChainCRF, _ point: CRFSpec, _ theta: [Double], workspace: inout LinearChainCRF.Workspace) -> Double {
        var gradient = [Double](repeating: 0, count: theta.count)
        _ = gradient.withUnsafeMutableBufferPointer { smoothObjective(crf, point, theta, gradient: $0, workspace: &workspace) }
        for i in theta.indices {
            if theta[i] != 0 {
                gradient[i] += point.l1 * (theta[i] > 0 ? 1 : -1)
            } else {
                gradient[i] = max(abs(gradient[i]) - point.l1, 0)
            }
        }
        return norm(gradient)
    }

    func norm(_ v: [Double]) -> Double { v.reduce(0) { $0 + $1 * $1 }.squareRoot() }

    /// GD with a proximal step for l1: θ ← prox(θ − η∇), η = scale/L with L a
    /// bound on the NLL's curvature — the variance of a sequence's summed
    /// features, at most T_s·Σ_{t∈s}(‖x_t‖² + 3) for a chain (tokens are
    /// correlated), Σ_t(‖x_t‖² + 1) without transitions — averaged over
    /// sequences, plus λ.
    func gradientDescent(_ crf: LinearChainCRF, _ point: CRFSpec, workspace: inout LinearChainCRF.Workspace,
                         cancelled: (@Sendable () -> Bool)?) -> CRFResult {
        let n = point.layout.count
        var theta = [Double](repeating: 0, count: n), gradient = theta
        let rate: Double
        switch point.learningRate {
        case .fixed(let value): rate = value
        case .auto(let scale):
            let d = train.x.columns, extra = point.layout.transitions ? 3.0 : 1.0
            var curvature = 0.0
            for (first, length) in zip(train.starts, train.lengths) {
                var sum = 0.0
                for row in first..<(first + length) { sum += (0..<d).reduce(extra) { $0 + train.x[row, $1] * train.x[row, $1] } }
                curvature += (point.layout.transitions ? Double(length) : 1) * sum
            }
            rate = scale / (curvature / Double(max(train.count, 1)) + point.l2)
        }
        // One forward–backward pass per step: it gives the objective at θ_k,
        // checked against the rules, and the gradient the next step takes.
        func evaluate() -> Double {
            for i in gradient.indices { gradient[i] = 0 }
            let smooth = gradient.withUnsafeMutableBufferPointer { smoothObjective(crf, point, theta, gradient: $0, workspace: &workspace) }
            return smooth + point.l1 * theta.reduce(0) { $0 + abs($1) }
        }
        var trajectory: [(step: Int, values: [Double])] = []
        var previous = evaluate()
        let start = previous
        var stop = StopReason.steps, status = FitStatus.ok, taken = 0
        if point.recordEvery > 0 { trajectory.append((0, measure(crf, point, theta))) }
        let threshold = rate * point.l1
        var step = 0
        while step < point.stopping.steps {
            step += 1
            if step % 256 == 0, cancelled?() == true { break }
            for i in theta.indices {
                let moved = theta[i] - rate * gradient[i]
                theta[i] = threshold > 0 ? (moved > threshold ? moved - threshold : moved < -threshold ? moved + threshold : 0) : moved
            }
            taken = step
            let value = evaluate()
            if point.recordEvery > 0, step % point.recordEvery == 0 { trajectory.append((step, measure(crf, point, theta))) }
            if !value.isFinite || value > point.stopping.divergenceFactor * max(start, 1e-300) {
                stop = .diverged
                status = .diverged
                break
            }
            if let tol = point.stopping.tol, value <= tol { stop = .tol; break }
            if let rtol = point.stopping.rtol, abs(previous - value) <= rtol * abs(previous) { stop = .rtol; break }
            previous = value
        }
        let converged: Double = stop == .tol || stop == .rtol ? 1 : (point.stopping.tol == nil && point.stopping.rtol == nil && stop == .steps ? .nan : 0)
        let metrics = measure(crf, point, theta)
        return CRFResult(theta: theta, metrics: metrics, status: status, stop: stop, steps: taken,
                         learningRate: rate, converged: converged, trajectory: trajectory, seconds: 0, message: nil,
                         value: metrics[0])
    }

    /// The metrics of θ (`metricNames`).
    func measure(_ crf: LinearChainCRF, _ point: CRFSpec, _ theta: [Double]) -> [Double] {
        func scores(_ data: Sequences) -> (nll: Double, tokens: Double, sequences: Double) {
            let predicted = crf.decode(theta, data.x, lengths: data.lengths)
            var right = 0, whole = 0
            for (first, length) in zip(data.starts, data.lengths) {
                let hits = (first..<(first + length)).filter { predicted[$0] == data.labels[$0] }.count
                right += hits
                if hits == length { whole += 1 }
            }
            return (crf.negativeLogLikelihood(theta, data), Double(right) / Double(max(data.x.rows, 1)),
                    Double(whole) / Double(max(data.count, 1)))
        }
        let l1 = theta.reduce(0) { $0 + abs($1) }, l2 = norm(theta)
        let fit = scores(train)
        var metrics = [fit.nll + 0.5 * point.l2 * l2 * l2 + point.l1 * l1, fit.nll, fit.tokens, fit.sequences]
        if let test {
            let held = scores(test)
            metrics += [held.nll, held.tokens, held.sequences]
        }
        metrics += [l1, l2, Double(theta.filter { $0 != 0 }.count)]
        if let truth {
            metrics.append(point.layout.transitions ? transitionDistance(theta, point.layout, truth.transitions) : .nan)
        }
        if let informative = truth?.informative {
            // A feature is selected when any state's emission weight on it is nonzero.
            let l = point.layout.states, d = point.layout.features
            let selected = Set((0..<d).filter { f in (0..<l).contains { theta[$0 * d + f] != 0 } })
            let hits = Double(selected.intersection(informative).count)
            metrics += [selected.isEmpty ? .nan : hits / Double(selected.count), informative.isEmpty ? .nan : hits / Double(informative.count)]
        }
        return metrics
    }

    /// ‖P − P*‖_F between the true transition matrix and the learned one read
    /// as probabilities: each row of exp(A) normalized.
    func transitionDistance(_ theta: [Double], _ layout: CRFLayout, _ truth: Matrix) -> Double {
        let l = layout.states
        var total = 0.0
        for i in 0..<l {
            let row = (0..<l).map { theta[layout.transitionOffset + i * l + $0] }
            let top = row.max() ?? 0
            let weights = row.map { exp($0 - top) }, sum = weights.reduce(0, +)
            for j in 0..<l { let e = weights[j] / sum - truth[i, j]; total += e * e }
        }
        return total.squareRoot()
    }
}

/// What a CRF batch hands back.
public struct CRFOutput: Sendable {
    public var metricNames: [String]
    public var recordedSteps: [Int]
    public var results: [CRFResult]
    public var cancelled: Bool
}

/// One CRF point's outcome.
public struct CRFResult: RecordedPoint {
    public var theta: [Double]
    public var metrics: [Double]
    public var status: FitStatus
    public var stop: StopReason
    public var steps: Int
    public var learningRate: Double
    public var converged: Double
    /// At each recorded step, every metric.
    public var trajectory: [(step: Int, values: [Double])]
    public var seconds: Double
    /// Why the solver stopped short, when it did.
    public var message: String?
    /// The objective the optimizer reached (with the l1 term).
    public var value: Double
}
