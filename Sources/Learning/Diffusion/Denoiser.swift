import Foundation
import Datasets
import LinearAlgebra

/// The denoisers a fit on diffusion data trains: f(x, t) ≈ ε_t, one per step t.
public enum DenoiserModel: Hashable, Sendable {
    /// f(x, t) = W_tᵀ(x − x̄_t) + b_t, a d × d linear map per step.
    case linear
    /// f(x, t) = W_tᵀ(φ_t(x) − φ̄_t) + b_t with fixed random features
    /// φ_t(x) = ReLU(A·(x − μ)/√(v + S_t) + c) of width p (`RandomFeatures`).
    case randomFeatures(width: Int)
    /// The denoiser that is optimal for the empirical distribution of the
    /// training images: E[ε_t | x_t] when x_0 is a training image drawn
    /// uniformly, a softmax-weighted average over the training images. It
    /// memorizes: the reverse process it drives ends on training images.
    case empiricalOptimal
    /// The Gaussian-optimal linear denoiser (Wiener filter): E[ε_t | x_t] when
    /// x_0 ~ N(μ, C) with the training images' mean and covariance,
    /// σ_t²(C + S_t I)⁻¹(x − μ).
    case wiener

    /// Whether the denoiser is fitted to the pairs (rather than given in closed form by the images).
    public var isTrained: Bool {
        switch self {
        case .linear, .randomFeatures: return true
        case .empiricalOptimal, .wiener: return false
        }
    }
}

/// One denoiser point: its model, penalty and how it is trained. The
/// objective of step t is 1/(2n)·‖F_t − E_t‖²_F + λ/2·‖W_t‖²_F (the bias
/// unpenalized), the ridge regression of the noise on the features; the
/// denoiser's objective is their sum over t.
public struct DenoiserSpec: Hashable, Sendable {
    public var model: DenoiserModel
    /// λ.
    public var l2: Double
    /// W_t starts at α (constant) or α·z (gaussian); b_t at 0.
    public var initScale: Double
    public var initShape: InitShape
    /// The ridge closed form (min-norm least squares at λ = 0) instead of GD.
    public var exact: Bool
    public var learningRate: LearningRate
    public var stopping: Stopping
    /// Record the losses every this many steps (0: never).
    public var recordEvery: Int

    public init(model: DenoiserModel, l2: Double = 0, initScale: Double = 0, initShape: InitShape = .constant,
                exact: Bool = true, learningRate: LearningRate = .auto(scale: 1), stopping: Stopping = Stopping(steps: 0),
                recordEvery: Int = 0) {
        self.model = model
        self.l2 = l2
        self.initScale = initScale
        self.initShape = initShape
        self.exact = exact
        self.learningRate = learningRate
        self.stopping = stopping
        self.recordEvery = recordEvery
    }
}

/// The fixed random features of a random-features denoiser: a ~ N(0, I/(m + L))
/// per feature, c ~ N(0, 1), drawn from the point's feature stream, applied to
/// x standardized for step t by the training images' mean μ and mean pixel
/// variance v: x̃ = (x − μ)/√(v + S_t), whose pixels have variance about 1 at every t.
public struct RandomFeatures: Sendable {
    /// p × d.
    public let weights: Matrix
    public let offsets: [Double]

    public init(width: Int, inputs: Int, stream: RandomStream) {
        var draws = stream
        let scale = 1 / Double(inputs).squareRoot()
        weights = Matrix(rows: width, columns: inputs, storage: (0..<(width * inputs)).map { _ in scale * draws.nextGaussian() })
        offsets = (0..<width).map { _ in draws.nextGaussian() }
    }
}

/// What every denoiser of a data set shares: the training points' mean and
/// variance per coordinate (in the diffusion's space), the number of classes
/// of a conditioned denoiser, and the schedule.
public struct DenoiserContext: Sendable {
    public let schedule: NoiseSchedule
    public let mean: [Double]
    /// The mean over coordinates of the training points' variance.
    public let pixelVariance: Double
    /// L, when the denoisers see the class (one-hot, after x); 0 otherwise.
    public let classes: Int

    public init(_ data: DiffusionData) {
        schedule = data.schedule
        classes = data.classes ?? 0
        let points = data.trainPoints
        mean = points.columnMeans
        pixelVariance = points.centered(by: mean).storage.reduce(0) { $0 + $1 * $1 } / Double(points.storage.count)
    }

    /// The inputs of a denoiser's step t: x (n × m), then the class one-hot (n × L) when conditioned.
    public var inputs: Int { mean.count + classes }

    /// The features of step t (1-based) of `x` (n × m) with its classes: [x, c]
    /// for the linear denoiser, ReLU([x̃, c]Aᵀ + 1cᵀ) for random features.
    public func features(_ x: Matrix, condition: Matrix?, t: Int, random: RandomFeatures?) -> Matrix {
        let n = x.rows, d = x.columns, width = inputs
        let scale = random == nil ? 1 : 1 / (pixelVariance + schedule.cumulativeVariance[t]).squareRoot()
        var input = Matrix(rows: n, columns: width)
        for i in 0..<n {
            for j in 0..<d { input.storage[i * width + j] = random == nil ? x.storage[i * d + j] : (x.storage[i * d + j] - mean[j]) * scale }
            if let condition, classes > 0 { for c in 0..<classes { input.storage[i * width + d + c] = condition.storage[i * classes + c] } }
        }
        guard let random else { return input }
        let p = random.weights.rows
        var phi = Matrix(rows: n, columns: p)
        for i in 0..<n { for k in 0..<p { phi.storage[i * p + k] = random.offsets[k] } }
        BLAS.gemm(input, .none, random.weights, .transpose, beta: 1, into: &phi)
        for index in phi.storage.indices where phi.storage[index] < 0 { phi.storage[index] = 0 }
        return phi
    }
}

/// A trained (or closed-form) denoiser: per step, W_t (q × d), b_t (d) and the
/// feature centre φ̄_t (q), f(x, t) = W_tᵀ(φ_t(x) − φ̄_t) + b_t.
public struct DenoiserWeights: Sendable, Equatable {
    public struct Step: Sendable, Equatable {
        public var weights: Matrix
        public var bias: [Double]
        public var center: [Double]
    }

    public var steps: [Step]

    /// All numbers, step by step (W row-major, then b, then φ̄): what a batch file keeps.
    public var flattened: [Double] { steps.flatMap { $0.weights.storage + $0.bias + $0.center } }

    /// The inverse of `flattened` for T steps of q features and d pixels.
    public init(flattened values: [Double], steps count: Int, features q: Int, pixels d: Int) {
        let size = q * d + d + q
        precondition(values.count == count * size, "\(values.count) values for \(count) steps of \(size)")
        steps = (0..<count).map { t in
            let base = t * size
            return Step(weights: Matrix(rows: q, columns: d, storage: Array(values[base..<(base + q * d)])),
                        bias: Array(values[(base + q * d)..<(base + q * d + d)]),
                        center: Array(values[(base + q * d + d)..<(base + size)]))
        }
    }

    public init(steps: [Step]) { self.steps = steps }

    /// ‖W‖_F over every step.
    public var norm: Double {
        steps.reduce(0) { $0 + $1.weights.storage.reduce(0) { $0 + $1 * $1 } }.squareRoot()
    }
}

/// A denoiser ready to evaluate: its model, the shared context and what it learned.
public struct Denoiser: Sendable {
    public let model: DenoiserModel
    public let context: DenoiserContext
    public let random: RandomFeatures?
    /// nil for the empirical-optimal denoiser (it is the training points).
    public let weights: DenoiserWeights?
    /// The training points in the diffusion's space (the empirical-optimal
    /// denoiser's support), with their classes.
    public let points: Matrix
    public let labels: [Int]?

    public init(model: DenoiserModel, context: DenoiserContext, random: RandomFeatures?, weights: DenoiserWeights?, points: Matrix,
                labels: [Int]? = nil) {
        self.model = model
        self.context = context
        self.random = random
        self.weights = weights
        self.points = points
        self.labels = labels
    }

    /// The denoiser of a data set: its model, its random features drawn from
    /// `featureStream`, and its weights (`DenoiserWeights.flattened`; ignored
    /// for the empirical-optimal denoiser).
    public init(model: DenoiserModel, data: DiffusionData, featureStream: RandomStream, flattened: [Double]) throws {
        let context = DenoiserContext(data)
        var random: RandomFeatures?
        if case .randomFeatures(let width) = model { random = RandomFeatures(width: width, inputs: context.inputs, stream: featureStream) }
        let q = random?.weights.rows ?? context.inputs, m = data.dimension, steps = data.schedule.steps
        var weights: DenoiserWeights?
        if model != .empiricalOptimal {
            guard flattened.count == steps * (q * m + m + q) else {
                throw LearningError("a denoiser of \(flattened.count) values is not \(steps) steps of \(q) features × \(m) outputs")
            }
            weights = DenoiserWeights(flattened: flattened, steps: steps, features: q, pixels: m)
        }
        self.init(model: model, context: context, random: random, weights: weights, points: data.trainPoints, labels: data.train.labels)
    }

    /// f(x, t, c) for every row of x (n × m), t = 1…T; `condition` gives each
    /// row's class one-hot (a zero row: none) when the denoiser is conditioned.
    public func predict(_ x: Matrix, t: Int, condition: Matrix? = nil) -> Matrix {
        if model == .empiricalOptimal {
            return EmpiricalOptimalDenoiser.predict(x, images: points, schedule: context.schedule, t: t,
                                                    labels: condition == nil ? nil : labels, condition: condition)
        }
        return predict(features: context.features(x, condition: condition, t: t, random: random), t: t)
    }

    /// W_tᵀ(φ − φ̄_t) + b_t for features already made (`DenoiserContext.features`).
    public func predict(features: Matrix, t: Int) -> Matrix {
        let step = weights!.steps[t - 1]
        var phi = features
        let q = phi.columns, n = phi.rows, d = step.bias.count
        for i in 0..<n { for k in 0..<q { phi.storage[i * q + k] -= step.center[k] } }
        var out = Matrix(rows: n, columns: d)
        for i in 0..<n { for j in 0..<d { out.storage[i * d + j] = step.bias[j] } }
        BLAS.gemm(phi, .none, step.weights, .none, beta: 1, into: &out)
        return out
    }
}

/// E[ε_t | x_t] for x_0 uniform over the training images x⁽¹⁾…x⁽ᴺ⁾:
/// (σ_t²/S_t)·(x − Σᵢ wᵢ x⁽ⁱ⁾), wᵢ = softmax_i(−‖x − x⁽ⁱ⁾‖²/(2S_t)), computed
/// with the largest logit subtracted (no overflow at small S_t).
/// Conditioned on a class, the average runs over that class's images only
/// (over all of them for a class no training image shows).
public enum EmpiricalOptimalDenoiser {
    public static func predict(_ x: Matrix, images: Matrix, schedule: NoiseSchedule, t: Int, labels: [Int]? = nil,
                               condition: Matrix? = nil) -> Matrix {
        let n = x.rows, d = x.columns, count = images.rows
        let variance = schedule.cumulativeVariance[t], factor = schedule.sigmas[t - 1] * schedule.sigmas[t - 1] / variance
        // ‖x − xᵢ‖² = ‖x‖² − 2xᵀxᵢ + ‖xᵢ‖²; the ‖x‖² term cancels in the softmax.
        let cross = BLAS.product(x, .none, images, .transpose)  // n × N
        let imageNorms = (0..<count).map { i in (0..<d).reduce(0.0) { $0 + images[i, $1] * images[i, $1] } }
        var weights = Matrix(rows: n, columns: count)
        let shown = Set(labels ?? [])
        for r in 0..<n {
            var largest = -Double.infinity
            // The class asked for, if any: the other classes' images weigh nothing
            // (a class no training image shows is no class: the average runs over all).
            var asked: Int?
            if let condition, labels != nil { asked = (0..<condition.columns).first { condition[r, $0] == 1 && shown.contains($0) } }
            for i in 0..<count {
                let excluded = asked != nil && labels![i] != asked!
                let logit = excluded ? -Double.infinity : (2 * cross.storage[r * count + i] - imageNorms[i]) / (2 * variance)
                weights.storage[r * count + i] = logit
                largest = max(largest, logit)
            }
            var total = 0.0
            for i in 0..<count {
                let w = exp(weights.storage[r * count + i] - largest)
                weights.storage[r * count + i] = w
                total += w
            }
            for i in 0..<count { weights.storage[r * count + i] /= total }
        }
        let posteriorMean = BLAS.product(weights, images)
        var out = x
        for index in out.storage.indices { out.storage[index] = factor * (x.storage[index] - posteriorMean.storage[index]) }
        return out
    }
}

/// The Gaussian-optimal linear denoiser: with μ and C = (1/N)Σ(xᵢ − μ)(xᵢ − μ)ᵀ
/// of the training images, E[ε_t | x_t] = σ_t²(C + S_t I)⁻¹(x_t − μ) when
/// x_0 ~ N(μ, C) — a linear denoiser with W_t = σ_t²(C + S_t I)⁻¹, centre μ, b = 0.
/// A conditioned data set's Wiener filter ignores the class (its rows for the class inputs are 0).
public enum WienerFilter {
    public static func weights(_ images: Matrix, schedule: NoiseSchedule, classes: Int = 0) throws -> DenoiserWeights {
        let n = images.rows, d = images.columns
        let mean = images.columnMeans
        var covariance = images.scatter(about: mean)
        for index in covariance.storage.indices { covariance.storage[index] /= Double(n) }
        let (values, vectors) = try LAPACK.symmetricEigen(covariance)
        return DenoiserWeights(steps: (1...schedule.steps).map { t in
            let variance = schedule.cumulativeVariance[t], scale = schedule.sigmas[t - 1] * schedule.sigmas[t - 1]
            var scaled = vectors
            for i in 0..<d { for k in 0..<d { scaled.storage[i * d + k] *= scale / (max(values[k], 0) + variance) } }
            let filter = BLAS.product(scaled, .none, vectors, .transpose)
            return DenoiserWeights.Step(weights: Matrix(rows: d + classes, columns: d, storage: filter.storage + [Double](repeating: 0, count: classes * d)),
                                        bias: [Double](repeating: 0, count: d), center: mean + [Double](repeating: 0, count: classes))
        })
    }
}
