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

/// The fixed random features of a random-features denoiser: a ~ N(0, I/d)
/// per feature, c ~ N(0, 1), drawn from the point's feature stream, applied to
/// x standardized for step t by the training images' mean μ and mean pixel
/// variance v: x̃ = (x − μ)/√(v + S_t), whose pixels have variance about 1 at every t.
public struct RandomFeatures: Sendable {
    /// p × d.
    public let weights: Matrix
    public let offsets: [Double]

    public init(width: Int, pixels: Int, stream: RandomStream) {
        var draws = stream
        let scale = 1 / Double(pixels).squareRoot()
        weights = Matrix(rows: width, columns: pixels, storage: (0..<(width * pixels)).map { _ in scale * draws.nextGaussian() })
        offsets = (0..<width).map { _ in draws.nextGaussian() }
    }
}

/// What every denoiser of a data set shares: the images' mean and pixel
/// variance, and the schedule.
public struct DenoiserContext: Sendable {
    public let schedule: NoiseSchedule
    public let mean: [Double]
    /// The mean over pixels of the training images' variance.
    public let pixelVariance: Double

    public init(_ data: DiffusionData) {
        schedule = data.schedule
        let images = data.train.images, n = images.rows, d = images.columns
        var mean = [Double](repeating: 0, count: d)
        for i in 0..<n { for j in 0..<d { mean[j] += images[i, j] } }
        for j in 0..<d { mean[j] /= Double(n) }
        var variance = 0.0
        for i in 0..<n { for j in 0..<d { let e = images[i, j] - mean[j]; variance += e * e } }
        self.mean = mean
        pixelVariance = variance / Double(n * d)
    }

    /// The features of step t (1-based) of `x` (n × d): x itself for the
    /// linear denoiser, ReLU(x̃Aᵀ + 1cᵀ) for random features.
    public func features(_ x: Matrix, t: Int, random: RandomFeatures?) -> Matrix {
        guard let random else { return x }
        let n = x.rows, d = x.columns, p = random.weights.rows
        let scale = 1 / (pixelVariance + schedule.cumulativeVariance[t]).squareRoot()
        var standardized = x
        for i in 0..<n { for j in 0..<d { standardized.storage[i * d + j] = (x.storage[i * d + j] - mean[j]) * scale } }
        var phi = Matrix(rows: n, columns: p)
        for i in 0..<n { for k in 0..<p { phi.storage[i * p + k] = random.offsets[k] } }
        BLAS.gemm(standardized, .none, random.weights, .transpose, beta: 1, into: &phi)
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
    /// nil for the empirical-optimal denoiser (it is the training images).
    public let weights: DenoiserWeights?
    /// The training images (the empirical-optimal denoiser's support).
    public let images: Matrix

    public init(model: DenoiserModel, context: DenoiserContext, random: RandomFeatures?, weights: DenoiserWeights?, images: Matrix) {
        self.model = model
        self.context = context
        self.random = random
        self.weights = weights
        self.images = images
    }

    /// f(x, t) for every row of x (n × d), t = 1…T.
    public func predict(_ x: Matrix, t: Int) -> Matrix {
        if model == .empiricalOptimal {
            return EmpiricalOptimalDenoiser.predict(x, images: images, schedule: context.schedule, t: t)
        }
        let step = weights!.steps[t - 1]
        var phi = context.features(x, t: t, random: random)
        let q = phi.columns
        for i in 0..<phi.rows { for k in 0..<q { phi.storage[i * q + k] -= step.center[k] } }
        var out = Matrix(rows: x.rows, columns: x.columns)
        let d = x.columns
        for i in 0..<x.rows { for j in 0..<d { out.storage[i * d + j] = step.bias[j] } }
        BLAS.gemm(phi, .none, step.weights, .none, beta: 1, into: &out)
        return out
    }
}

/// E[ε_t | x_t] for x_0 uniform over the training images x⁽¹⁾…x⁽ᴺ⁾:
/// (σ_t²/S_t)·(x − Σᵢ wᵢ x⁽ⁱ⁾), wᵢ = softmax_i(−‖x − x⁽ⁱ⁾‖²/(2S_t)), computed
/// with the largest logit subtracted (no overflow at small S_t).
public enum EmpiricalOptimalDenoiser {
    public static func predict(_ x: Matrix, images: Matrix, schedule: NoiseSchedule, t: Int) -> Matrix {
        let n = x.rows, d = x.columns, count = images.rows
        let variance = schedule.cumulativeVariance[t], factor = schedule.sigmas[t - 1] * schedule.sigmas[t - 1] / variance
        // ‖x − xᵢ‖² = ‖x‖² − 2xᵀxᵢ + ‖xᵢ‖²; the ‖x‖² term cancels in the softmax.
        let cross = BLAS.product(x, .none, images, .transpose)  // n × N
        let imageNorms = (0..<count).map { i in (0..<d).reduce(0.0) { $0 + images[i, $1] * images[i, $1] } }
        var weights = Matrix(rows: n, columns: count)
        for r in 0..<n {
            var largest = -Double.infinity
            for i in 0..<count {
                let logit = (2 * cross.storage[r * count + i] - imageNorms[i]) / (2 * variance)
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
public enum WienerFilter {
    public static func weights(_ images: Matrix, schedule: NoiseSchedule) throws -> DenoiserWeights {
        let n = images.rows, d = images.columns
        let mean = StepProblem.columnMeans(images)
        var centered = images
        StepProblem.subtract(mean, from: &centered)
        var covariance = BLAS.product(centered, .transpose, centered, .none)
        for index in covariance.storage.indices { covariance.storage[index] /= Double(n) }
        let (values, vectors) = try LAPACK.symmetricEigen(covariance)
        return DenoiserWeights(steps: (1...schedule.steps).map { t in
            let variance = schedule.cumulativeVariance[t], scale = schedule.sigmas[t - 1] * schedule.sigmas[t - 1]
            var scaled = vectors
            for i in 0..<d { for k in 0..<d { scaled.storage[i * d + k] *= scale / (max(values[k], 0) + variance) } }
            return DenoiserWeights.Step(weights: BLAS.product(scaled, .none, vectors, .transpose), bias: [Double](repeating: 0, count: d),
                                        center: mean)
        })
    }
}
