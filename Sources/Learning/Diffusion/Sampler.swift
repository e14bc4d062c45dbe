import Datasets
import Foundation
import LinearAlgebra

/// How the reverse process steps from x_t to x_{t−1}.
public enum SamplingMode: String, Sendable, CaseIterable {
    /// x_{t−1} = x_t − f(x_t, t), as in the lecture notes: with the optimal
    /// denoiser, the posterior mean E[x_{t−1} | x_t].
    case deterministic
    /// x_{t−1} = x_t − f(x_t, t) + √(σ_t²·S_{t−1}/S_t)·z, z ~ N(0, I): the
    /// posterior's own spread added back (ancestral sampling); no noise at t = 1.
    case stochastic
}

/// The reverse process: S images from x_T ~ N(0, S_T I), stepped down to x_0
/// by a denoiser. Sample j draws its start and its per-step noise from
/// substream j of `stream`, so a sample does not depend on how many others
/// are drawn beside it.
public enum Sampler {
    /// With `classes` (one per sample), the denoiser is asked for that class
    /// and guided: ε̂ = (1 + w)·f(x, t, c) − w·f(x, t, ∅).
    public static func sample(_ denoiser: Denoiser, count: Int, mode: SamplingMode, stream: RandomStream,
                              classes: [Int]? = nil, guidance: Double = 0) -> Matrix {
        let schedule = denoiser.context.schedule, d = denoiser.context.mean.count
        var draws = (0..<count).map { stream.substream($0) }
        var x = Matrix(rows: count, columns: d)
        let start = schedule.totalVariance.squareRoot()
        for j in 0..<count { for k in 0..<d { x.storage[j * d + k] = start * draws[j].nextGaussian() } }
        let conditions = classes.map { classes in
            var rows = Matrix(rows: count, columns: denoiser.context.classes)
            for (j, c) in classes.enumerated() { rows.storage[j * denoiser.context.classes + c] = 1 }
            return rows
        }
        let none = Matrix(rows: count, columns: denoiser.context.classes)
        for t in stride(from: schedule.steps, through: 1, by: -1) {
            var f = denoiser.predict(x, t: t, condition: conditions ?? (denoiser.context.classes > 0 ? none : nil))
            if conditions != nil, guidance != 0 {
                let free = denoiser.predict(x, t: t, condition: none)
                for index in f.storage.indices { f.storage[index] = (1 + guidance) * f.storage[index] - guidance * free.storage[index] }
            }
            for index in x.storage.indices { x.storage[index] -= f.storage[index] }
            if mode == .stochastic, t > 1 {
                let sigma = schedule.sigmas[t - 1]
                let spread = (sigma * sigma * schedule.cumulativeVariance[t - 1] / schedule.cumulativeVariance[t]).squareRoot()
                for j in 0..<count { for k in 0..<d { x.storage[j * d + k] += spread * draws[j].nextGaussian() } }
            }
        }
        return x
    }
}

/// What a set of samples is measured by: memorization, distances to the
/// training and held-out images, and the Fréchet distance to the held-out images.
public struct SampleMetrics: Sendable, Equatable {
    /// The fraction of samples whose nearest training image is closer than
    /// 1/3 of the distance to the second nearest.
    public var memorizationRate: Double
    /// Mean Euclidean distance from a sample to its nearest training image, and to its nearest held-out image.
    public var nearestTrain: Double
    public var nearestTest: Double
    /// Fréchet distance between Gaussians fitted to the samples and to the
    /// held-out images, both projected on the training images' top-k principal components.
    public var frechet: Double
    /// Per sample: the index of its nearest training image.
    public var nearestTrainIndex: [Int]

    /// The sample's nearest training image must be closer than this multiple of the second nearest to count as memorized.
    public static let memorizationRatio = 1.0 / 3.0

    public static let names = ["memorization_rate", "nearest_train_distance", "nearest_test_distance", "frechet_distance"]
    public var values: [Double] { [memorizationRate, nearestTrain, nearestTest, frechet] }

    /// The metrics of finite samples (`undefined` stands in for samples a
    /// diverged denoiser left infinite or NaN). The second-nearest image is the
    /// nearest one that differs from the nearest (a training set may hold an
    /// image twice); with a single distinct training image the memorization rate is NaN.
    public init(samples: Matrix, train: Matrix, test: Matrix?, components: Int) throws {
        // The distinct training images, each with its first row.
        var seen = Set<ArraySlice<Double>>(), distinctRows: [Int] = []
        for i in 0..<train.rows where seen.insert(train.row(i)).inserted { distinctRows.append(i) }
        let (nearest, second, index) = SampleMetrics.nearestTwo(samples, train.selectingRows(distinctRows))
        let count = Double(samples.rows)
        memorizationRate = distinctRows.count < 2 ? .nan
            : Double(zip(nearest, second).filter { $0 < SampleMetrics.memorizationRatio * $1 }.count) / count
        nearestTrain = nearest.reduce(0, +) / count
        nearestTrainIndex = index.map { distinctRows[$0] }
        if let test {
            nearestTest = SampleMetrics.nearestTwo(samples, test).nearest.reduce(0, +) / count
            let pca = try PrincipalComponents(train, components: components)
            frechet = try FrechetDistance.between(pca.project(samples), pca.project(test))
        } else {
            nearestTest = .nan
            frechet = .nan
        }
    }

    /// Every metric NaN, no nearest image (index −1): for samples that are not finite.
    public static func undefined(samples: Int) -> SampleMetrics {
        SampleMetrics(memorizationRate: .nan, nearestTrain: .nan, nearestTest: .nan, frechet: .nan,
                      nearestTrainIndex: Array(repeating: -1, count: samples))
    }

    private init(memorizationRate: Double, nearestTrain: Double, nearestTest: Double, frechet: Double, nearestTrainIndex: [Int]) {
        self.memorizationRate = memorizationRate
        self.nearestTrain = nearestTrain
        self.nearestTest = nearestTest
        self.frechet = frechet
        self.nearestTrainIndex = nearestTrainIndex
    }

    /// Per row of `a`: the distance to its nearest and second-nearest row of
    /// `b` (infinite when b has one row), and the index of the nearest.
    static func nearestTwo(_ a: Matrix, _ b: Matrix) -> (nearest: [Double], second: [Double], index: [Int]) {
        let d = a.columns
        let cross = BLAS.product(a, .none, b, .transpose)
        let normsB = (0..<b.rows).map { i in (0..<d).reduce(0.0) { $0 + b[i, $1] * b[i, $1] } }
        var nearest: [Double] = [], second: [Double] = [], index: [Int] = []
        for r in 0..<a.rows {
            let normA = (0..<d).reduce(0.0) { $0 + a[r, $1] * a[r, $1] }
            var best = Double.infinity, next = Double.infinity, at = 0
            for i in 0..<b.rows {
                let squared = max(normA - 2 * cross.storage[r * b.rows + i] + normsB[i], 0)
                if squared < best { (next, best, at) = (best, squared, i) } else if squared < next { next = squared }
            }
            nearest.append(best.squareRoot())
            second.append(next.squareRoot())
            index.append(at)
        }
        return (nearest, second, index)
    }
}

/// The Fréchet distance between Gaussians fitted to two sets of rows:
/// ‖m₁ − m₂‖² + tr(C₁ + C₂ − 2(C₁^{1/2}C₂C₁^{1/2})^{1/2}), covariances with
/// n − 1 (as the FID computation does), the matrix square roots by symmetric
/// eigendecompositions.
public enum FrechetDistance {
    public static func between(_ a: Matrix, _ b: Matrix) throws -> Double {
        let (meanA, covA) = moments(a), (meanB, covB) = moments(b)
        let k = a.columns
        let root = try symmetricRoot(covA)
        let inner = BLAS.product(BLAS.product(root, covB), root)
        let (values, _) = try LAPACK.symmetricEigen(inner)
        let cross = values.reduce(0) { $0 + max($1, 0).squareRoot() }
        var distance = 0.0
        for j in 0..<k { distance += (meanA[j] - meanB[j]) * (meanA[j] - meanB[j]) }
        for j in 0..<k { distance += covA[j, j] + covB[j, j] }
        return max(distance - 2 * cross, 0)
    }

    static func moments(_ m: Matrix) -> ([Double], Matrix) {
        let n = m.rows, mean = m.columnMeans
        var covariance = m.scatter(about: mean)
        for index in covariance.storage.indices { covariance.storage[index] /= Double(max(n - 1, 1)) }
        return (mean, covariance)
    }

    static func symmetricRoot(_ m: Matrix) throws -> Matrix {
        let (values, vectors) = try LAPACK.symmetricEigen(m)
        let k = m.rows
        var scaled = vectors
        for i in 0..<k { for j in 0..<k { scaled.storage[i * k + j] *= max(values[j], 0).squareRoot() } }
        return BLAS.product(scaled, .none, vectors, .transpose)
    }
}
