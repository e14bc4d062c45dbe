import Datasets
import Foundation
import LinearAlgebra

/// One batch of denoiser points on one diffusion data set, trained per step t
/// on the pairs (x_t, ε_t): every point's denoiser, its losses and, for GD,
/// its trajectory of every metric.
///
/// Training works in the eigenbasis of each step's feature Gram matrix. With
/// centred features Φ_c (n × q), G = Φ_cᵀΦ_c/n = VΛVᵀ and R = Φ_cᵀE_c/n, the
/// objective of step t is J(W, b) = ½tr(WᵀGW) − tr(WᵀR) + λ/2‖W‖² + ½‖b − ē‖²
/// + const, so in Z = VᵀW every row i is its own quadratic:
///
/// - `exact`: Z*ᵢ = R̃ᵢ/(Λᵢ + λ) (R̃ = VᵀR), b = ē — ridge, and at λ = 0 the
///   minimum-norm least-squares solution (directions with Λᵢ ≤ max(n, q)·ε·Λ_max dropped,
///   as a pseudo-inverse does);
/// - `gd`: GD's k-th iterate from W₀ (b₀ = 0) at step size η is exactly
///   Zᵢ(k) = Z*ᵢ + ρᵢᵏ(Z₀ᵢ − Z*ᵢ), ρᵢ = 1 − η(Λᵢ + λ), and b(k) = ē − (1 − η)ᵏē:
///   the same iterates as the update W ← W − η(GW − R + λW), without running
///   it. The objective J(k) = J* + ½Σᵢ(Λᵢ + λ)ρᵢ²ᵏ‖Dᵢ‖² + ½(1 − η)²ᵏ‖ē‖² (D = Z₀ − Z*)
///   is a sum of exponentials in k, convex; tol and rtol stop at the first step
///   that meets them and divergence at the first that exceeds its factor,
///   found by bisection, as if each step were checked.
///
/// The denoiser's objective is the sum over steps; one η serves every step
/// (η = scale/L, L = max(1, maxₜ Λ_max + λ), 1 being the bias's curvature).
public struct DenoiserBatch: Sendable {
    public var data: DiffusionData
    public var points: [DenoiserSpec]
    /// Per point: the stream of its Gaussian initialization.
    public var initStreams: [RandomStream]
    /// Per point: the stream of its random features (points that share one share the features).
    public var featureStreams: [RandomStream]

    public init(data: DiffusionData, points: [DenoiserSpec], initStreams: [RandomStream], featureStreams: [RandomStream]) {
        self.data = data
        self.points = points
        self.initStreams = initStreams
        self.featureStreams = featureStreams
    }

    /// The metric names of a batch over `steps` steps with held-out images or not.
    public static func metricNames(steps: Int, test: Bool) -> [String] {
        var names = ["train_loss"] + (test ? ["test_loss"] : []) + ["weight_norm", "objective"]
        for t in 1...steps {
            names.append("train_loss_t\(t)")
            if test { names.append("test_loss_t\(t)") }
        }
        return names
    }

    /// Trains every point. `cancelled` is polled between steps t.
    public func run(cancelled: (@Sendable () -> Bool)? = nil) throws -> DenoiserOutput {
        let start = Date()
        let context = DenoiserContext(data)
        let schedule = data.schedule, steps = schedule.steps, d = data.dimension
        let hasTest = data.testPairs != nil
        // Each trained point's feature set: "linear", or its random features'
        // stream and width (a λ or α sweep shares them). Points of one set share
        // one eigendecomposition per step.
        let labels: [String?] = points.indices.map { index in
            switch points[index].model {
            case .linear: return "linear"
            case .randomFeatures(let width): return "\(featureStreams[index].key.0)/\(featureStreams[index].key.1)/\(width)"
            case .empiricalOptimal, .wiener: return nil
            }
        }
        var featureSets: [String: RandomFeatures] = [:]
        let features: [RandomFeatures?] = points.indices.map { index in
            guard case .randomFeatures(let width) = points[index].model, let label = labels[index] else { return nil }
            if featureSets[label] == nil { featureSets[label] = RandomFeatures(width: width, inputs: context.inputs, stream: featureStreams[index]) }
            return featureSets[label]
        }
        var groups: [String: [Int]] = [:], groupOrder: [String] = []
        for (index, label) in labels.enumerated() {
            guard let label else { continue }
            if groups[label] == nil { groupOrder.append(label) }
            groups[label, default: []].append(index)
        }
        var problems: [String: [StepProblem]] = [:]
        for label in groupOrder {
            let random = features[groups[label]![0]]
            // The test loss along GD's path needs the test Gram matrix; final losses are measured directly.
            let recordsTest = groups[label]!.contains { !points[$0].exact && points[$0].recordEvery > 0 }
            var list: [StepProblem] = []
            for t in 1...steps {
                if cancelled?() == true { return DenoiserOutput(cancelled: true) }
                list.append(try StepProblem(context: context, random: random, train: data.trainPairs[t - 1],
                                            test: recordsTest ? data.testPairs?[t - 1] : nil, t: t))
            }
            problems[label] = list
        }
        var built: [(denoiser: Denoiser, result: DenoiserResult)] = []
        for (index, point) in points.enumerated() {
            if cancelled?() == true { return DenoiserOutput(cancelled: true) }
            let random = features[index]
            let q = random?.weights.rows ?? context.inputs
            switch point.model {
            case .empiricalOptimal, .wiener:
                let weights = point.model == .wiener
                    ? try WienerFilter.weights(data.trainPoints, schedule: schedule, classes: context.classes) : nil
                let denoiser = Denoiser(model: point.model, context: context, random: nil, weights: weights, points: data.trainPoints,
                                        labels: data.train.labels)
                built.append((denoiser, DenoiserResult(weights: weights, metrics: [], status: .ok, stop: .solved, steps: 0, learningRate: .nan,
                                                       converged: 1, trajectory: [], seconds: 0)))
            case .linear, .randomFeatures:
                let list = problems[labels[index]!]!
                let start0 = DenoiserBatch.initialWeights(point, rows: q, columns: d, stream: initStreams[index])
                let solved = list.map { $0.solve(lambda: point.l2, start: point.exact ? nil : start0) }
                var status = FitStatus.ok, stop = StopReason.solved, taken = 0, rate = Double.nan, converged = 1.0
                var trajectory: [(step: Int, values: [Double])] = []
                var finalWeights: [DenoiserWeights.Step]
                if point.exact {
                    finalWeights = zip(list, solved).map { $0.weights(at: $1, step: nil, rate: 0) }
                } else {
                    let largest = list.map { ($0.values.last ?? 0) + point.l2 }.max() ?? 0
                    let curvature = max(1, largest)
                    switch point.learningRate {
                    case .fixed(let value): rate = value
                    case .auto(let scale): rate = scale / curvature
                    }
                    let path = GDPath(problems: list, solved: solved, rate: rate)
                    let outcome = path.stopping(point.stopping)
                    (taken, stop, converged) = (outcome.step, outcome.reason, outcome.converged)
                    if stop == .diverged { status = .diverged }
                    if point.recordEvery > 0 {
                        for step in stride(from: 0, through: taken, by: point.recordEvery) {
                            trajectory.append((step, path.recorded(at: step, test: hasTest)))
                        }
                    }
                    finalWeights = zip(list, solved).map { $0.weights(at: $1, step: taken, rate: rate) }
                }
                let denoiser = Denoiser(model: point.model, context: context, random: random,
                                        weights: DenoiserWeights(steps: finalWeights), points: data.trainPoints, labels: data.train.labels)
                built.append((denoiser, DenoiserResult(weights: denoiser.weights, metrics: [], status: status, stop: stop, steps: taken,
                                                       learningRate: rate, converged: converged, trajectory: trajectory, seconds: 0)))
            }
        }
        // The final losses, measured directly on the pairs; the features of a
        // step are made once for every point that shares them.
        var train = [[Double]](repeating: [], count: points.count), test = train
        for t in 1...steps {
            if cancelled?() == true { return DenoiserOutput(cancelled: true) }
            for (part, pairs) in [(0, data.trainPairs[t - 1]), (1, data.testPairs?[t - 1])] {
                guard let pairs else { continue }
                var made: [String: Matrix] = [:]
                for (index, entry) in built.enumerated() {
                    let loss: Double
                    if let label = labels[index] {
                        let phi = made[label] ?? context.features(pairs.noisy, condition: pairs.condition, t: t, random: entry.denoiser.random)
                        made[label] = phi
                        loss = DenoiserBatch.loss(entry.denoiser.predict(features: phi, t: t), pairs.noise)
                    } else {
                        loss = DenoiserBatch.loss(entry.denoiser.predict(pairs.noisy, t: t, condition: pairs.condition), pairs.noise)
                    }
                    if part == 0 { train[index].append(loss) } else { test[index].append(loss) }
                }
            }
        }
        let results = built.indices.map { index in
            var result = built[index].result
            result.metrics = DenoiserBatch.metrics(train: train[index], test: hasTest ? test[index] : nil,
                                                   norm: result.weights?.norm ?? .nan, lambda: points[index].l2, pixels: d)
            result.seconds = Date().timeIntervalSince(start)
            return result
        }
        let recorded = Array(Set(results.flatMap { $0.trajectory.map(\.step) })).sorted()
        return DenoiserOutput(metricNames: DenoiserBatch.metricNames(steps: steps, test: hasTest), recordedSteps: recorded,
                              results: results, cancelled: false)
    }

    /// W₀ of a point: α everywhere, or α·z with z standard normal from its stream.
    static func initialWeights(_ point: DenoiserSpec, rows: Int, columns: Int, stream: RandomStream) -> Matrix {
        var draws = stream
        return Matrix(rows: rows, columns: columns, storage: (0..<(rows * columns)).map { _ in
            point.initShape == .gaussian ? point.initScale * draws.nextGaussian() : point.initScale
        })
    }

    /// The final metrics (`metricNames`) from each step's measured losses.
    static func metrics(train: [Double], test: [Double]?, norm: Double, lambda: Double, pixels: Int) -> [Double] {
        var metrics = [train.reduce(0, +) / Double(train.count)]
        if let test { metrics.append(test.reduce(0, +) / Double(test.count)) }
        metrics.append(norm)
        // Σₜ ½·m·loss_t + λ/2·‖W‖²: the objective tol and rtol read.
        metrics.append(train.reduce(0) { $0 + 0.5 * Double(pixels) * $1 } + (lambda > 0 ? 0.5 * lambda * norm * norm : 0))
        for t in train.indices {
            metrics.append(train[t])
            if let test { metrics.append(test[t]) }
        }
        return metrics
    }

    /// The per-coordinate mean squared error of a prediction: ‖F − E‖²_F/(n·m).
    public static func loss(_ predicted: Matrix, _ noise: Matrix) -> Double {
        var total = 0.0
        for index in predicted.storage.indices {
            let e = predicted.storage[index] - noise.storage[index]
            total += e * e
        }
        return total / Double(predicted.storage.count)
    }
}

/// What a denoiser batch hands back.
public struct DenoiserOutput: Sendable {
    public var metricNames: [String] = []
    public var recordedSteps: [Int] = []
    public var results: [DenoiserResult] = []
    public var cancelled: Bool
}

/// How a point of the denoiser or sequence engines ended: what a batch file
/// keeps of it besides its weights.
public protocol RecordedPoint: Sendable {
    var metrics: [Double] { get }
    var status: FitStatus { get }
    var stop: StopReason { get }
    var steps: Int { get }
    /// The step size (NaN for closed forms and L-BFGS).
    var learningRate: Double { get }
    var converged: Double { get }
    /// At each recorded step, every metric.
    var trajectory: [(step: Int, values: [Double])] { get }
    var seconds: Double { get }
}

/// One denoiser point's outcome.
public struct DenoiserResult: RecordedPoint {
    /// nil for the empirical-optimal denoiser.
    public var weights: DenoiserWeights?
    public var metrics: [Double]
    public var status: FitStatus
    public var stop: StopReason
    public var steps: Int
    public var learningRate: Double
    public var converged: Double
    /// At each recorded step, the values of every metric (`DenoiserOutput.metricNames`).
    public var trajectory: [(step: Int, values: [Double])]
    public var seconds: Double
}

/// One step t of one feature set: the eigenbasis of the centred feature Gram
/// matrix and what every point's solution and losses need from the pairs.
struct StepProblem {
    let rows: Int, features: Int, pixels: Int
    /// φ̄ (q) and ē (d): the training means of the features and the noise.
    let center: [Double]
    let targetMean: [Double]
    /// Λ ascending (clamped at 0) and V (columns).
    let values: [Double]
    let vectors: Matrix
    /// R̃ = VᵀΦ_cᵀE_c/n (q × d).
    let projected: Matrix
    /// Below this an eigenvalue counts as zero (at λ = 0): max(n, q)·ε·Λ_max.
    let cutoff: Double
    /// The per-pixel MSE of the least-squares fit, measured directly.
    let leastSquaresLoss: Double
    /// Test: H = BᵀΨᵀΨB/n and C = BᵀΨᵀE/n with Ψ = [Φ_c,test, 1] and B = diag(V, 1); ‖E‖²/n.
    let testGram: Matrix?
    let testCross: Matrix?
    let testEnergy: Double

    init(context: DenoiserContext, random: RandomFeatures?, train: DenoisingPairs, test: DenoisingPairs?, t: Int) throws {
        let raw = context.features(train.noisy, condition: train.condition, t: t, random: random)
        let n = raw.rows, q = raw.columns, d = train.noise.columns
        rows = n
        features = q
        pixels = d
        center = raw.columnMeans
        let phi = raw.centered(by: center)
        targetMean = train.noise.columnMeans
        let noise = train.noise.centered(by: targetMean)
        var gram = Matrix(rows: q, columns: q)
        phi.storage.withUnsafeBufferPointer { a in
            gram.storage.withUnsafeMutableBufferPointer { c in
                BLAS.syrk(.transpose, n: q, k: n, alpha: 1 / Double(n), a: a.baseAddress!, lda: q, beta: 0, c: c.baseAddress!, ldc: q)
            }
        }
        let (eigenvalues, eigenvectors) = try LAPACK.symmetricEigen(gram)
        values = eigenvalues.map { max($0, 0) }
        vectors = eigenvectors
        let cross = BLAS.product(phi, .transpose, noise, .none)  // q × d, ·n
        var projected = BLAS.product(eigenvectors, .transpose, cross, .none)
        for index in projected.storage.indices { projected.storage[index] /= Double(n) }
        self.projected = projected
        cutoff = Double(max(n, q)) * Double.ulpOfOne * (values.last ?? 0)
        // The least-squares fit's loss, directly: ‖Φ_c W_ls − E_c‖²/(n d).
        var leastSquares = projected
        for i in 0..<q { for j in 0..<d { leastSquares.storage[i * d + j] = values[i] > cutoff ? projected[i, j] / values[i] : 0 } }
        var residual = noise
        BLAS.gemm(phi, .none, BLAS.product(eigenvectors, leastSquares), .none, alpha: -1, beta: 1, into: &residual)
        leastSquaresLoss = residual.storage.reduce(0) { $0 + $1 * $1 } / Double(n * d)
        if let test {
            let psi = context.features(test.noisy, condition: test.condition, t: t, random: random).centered(by: center)
            // Ψ = [Φ_c,test·V, 1]: the features in the eigenbasis, and the bias.
            let rotated = BLAS.product(psi, eigenvectors)
            let m = psi.rows
            var augmented = Matrix(rows: m, columns: q + 1)
            for r in 0..<m {
                for k in 0..<q { augmented.storage[r * (q + 1) + k] = rotated.storage[r * q + k] }
                augmented.storage[r * (q + 1) + q] = 1
            }
            var h = BLAS.product(augmented, .transpose, augmented, .none)
            for index in h.storage.indices { h.storage[index] /= Double(m) }
            var c = BLAS.product(augmented, .transpose, test.noise, .none)
            for index in c.storage.indices { c.storage[index] /= Double(m) }
            testGram = h
            testCross = c
            testEnergy = test.noise.storage.reduce(0) { $0 + $1 * $1 } / Double(m)
        } else {
            testGram = nil
            testCross = nil
            testEnergy = 0
        }
    }

    /// A point's solution at λ in the eigenbasis, Z* (q × d), and D = Z₀ − Z*
    /// for GD from W₀ (nil: the closed form alone).
    struct Solved {
        var lambda: Double
        var optimum: Matrix
        var offset: Matrix?
    }

    /// Whether direction i takes part in the solution at λ (at λ = 0, not below the cutoff).
    func kept(_ i: Int, lambda: Double) -> Bool {
        lambda > 0 ? values[i] + lambda > 0 : values[i] > cutoff
    }

    func solve(lambda: Double, start: Matrix?) -> Solved {
        var optimum = projected
        let d = pixels
        for i in 0..<features {
            let keep = kept(i, lambda: lambda), curvature = values[i] + lambda
            for j in 0..<d { optimum.storage[i * d + j] = keep ? projected[i, j] / curvature : 0 }
        }
        guard let start else { return Solved(lambda: lambda, optimum: optimum, offset: nil) }
        var offset = BLAS.product(vectors, .transpose, start, .none)
        for index in offset.storage.indices { offset.storage[index] -= optimum.storage[index] }
        return Solved(lambda: lambda, optimum: optimum, offset: offset)
    }

    /// ρᵢ = 1 − η(Λᵢ + λ), GD's factor on direction i.
    func factor(_ i: Int, rate: Double, lambda: Double) -> Double { 1 - rate * (values[i] + lambda) }

    /// Z after `step` GD steps (the closed form when `step` is nil).
    func rotated(_ solved: Solved, step: Int?, rate: Double) -> Matrix {
        guard let step, let offset = solved.offset else { return solved.optimum }
        var z = solved.optimum
        let d = pixels
        for i in 0..<features {
            let shrink = pow(factor(i, rate: rate, lambda: solved.lambda), Double(step))
            for j in 0..<d { z.storage[i * d + j] += shrink * offset.storage[i * d + j] }
        }
        return z
    }

    /// b after `step` GD steps from 0: ē − (1 − η)ᵏē (ē for the closed form).
    func bias(step: Int?, rate: Double) -> [Double] {
        let shrink = step.map { pow(1 - rate, Double($0)) } ?? 0
        return targetMean.map { $0 * (1 - shrink) }
    }

    /// The denoiser's step t: W = VZ, b, φ̄.
    func weights(at solved: Solved, step: Int?, rate: Double) -> DenoiserWeights.Step {
        DenoiserWeights.Step(weights: BLAS.product(vectors, rotated(solved, step: step, rate: rate)),
                             bias: bias(step: step, rate: rate), center: center)
    }

    /// The per-pixel test MSE of (Z, b) in the eigenbasis: (tr(ΘᵀHΘ) − 2tr(ΘᵀC))/d + ‖E‖²/(n d), Θ = [Z; bᵀ].
    func testLoss(z: Matrix, bias: [Double]) -> Double {
        guard let testGram, let testCross else { return .nan }
        let q = features, d = pixels
        var theta = Matrix(rows: q + 1, columns: d)
        for index in z.storage.indices { theta.storage[index] = z.storage[index] }
        for j in 0..<d { theta.storage[q * d + j] = bias[j] }
        let h = BLAS.product(testGram, theta)
        var total = 0.0
        for index in theta.storage.indices { total += theta.storage[index] * (h.storage[index] - 2 * testCross.storage[index]) }
        return (total + testEnergy) / Double(d)
    }
}
