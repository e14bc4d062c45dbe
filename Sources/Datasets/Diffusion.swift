import Foundation
import LinearAlgebra

/// The noise schedule of the forward process x_t = x_{t−1} + ε_t,
/// ε_t ~ N(0, σ_t² I), t = 1…T, that `diffuse` builds training pairs from and
/// `sample` runs backwards.
public struct NoiseSchedule: Sendable, Hashable {
    /// σ_1…σ_T, each > 0.
    public let sigmas: [Double]
    /// S_t = σ_1² + … + σ_t², the variance x_t has around x_0 (S_0 = 0 at index 0).
    public let cumulativeVariance: [Double]

    public init(sigmas: [Double]) {
        precondition(!sigmas.isEmpty && sigmas.allSatisfy { $0 > 0 && $0.isFinite }, "a schedule needs σ_t > 0")
        self.sigmas = sigmas
        var total = 0.0
        cumulativeVariance = [0] + sigmas.map { sigma in
            total += sigma * sigma
            return total
        }
    }

    /// How σ_t moves from σ_1 to σ_T.
    public enum Spacing: String, Sendable, CaseIterable {
        /// Evenly spaced values.
        case linear
        /// A constant ratio between consecutive values.
        case geometric
    }

    /// T values from `first` to `last`, `spacing` between them (one value: `first`).
    public init(steps: Int, first: Double, last: Double, spacing: Spacing) {
        precondition(steps >= 1, "a schedule needs at least one step")
        let values = (0..<steps).map { t -> Double in
            guard steps > 1, t > 0 else { return first }
            if t == steps - 1 { return last }
            let fraction = Double(t) / Double(steps - 1)
            switch spacing {
            case .linear: return first + (last - first) * fraction
            case .geometric: return first * exp(fraction * log(last / first))
            }
        }
        self.init(sigmas: values)
    }

    /// T.
    public var steps: Int { sigmas.count }
    /// S_T, the variance of the reverse process's start x_T ~ N(0, S_T I).
    public var totalVariance: Double { cumulativeVariance[steps] }
}

/// Images as rows (pixels row by row) with their shape and, when known, class labels.
public struct ImageSet: Sendable, Equatable {
    /// N × h·w.
    public var images: Matrix
    public var shape: [Int]
    /// One class per image (0, 1, …), or nil.
    public var labels: [Int]?

    public init(images: Matrix, shape: [Int], labels: [Int]? = nil) {
        precondition(shape.reduce(1, *) == images.columns, "an image shape of \(images.columns) pixels")
        precondition(labels == nil || labels!.count == images.rows, "one label per image")
        self.images = images
        self.shape = shape
        self.labels = labels
    }

    public var count: Int { images.rows }
    public var pixels: Int { images.columns }

    /// The first `count` images.
    public func prefix(_ count: Int) -> ImageSet {
        ImageSet(images: images.selectingRows(0..<count), shape: shape, labels: labels.map { Array($0.prefix(count)) })
    }
}

/// The denoising pairs of one step t: noisy points x_t (n × m) and the noise
/// ε_t (n × m) a denoiser is trained to predict from them, n = images × copies;
/// with conditioning, each pair's class as a one-hot row (zeros: no class).
public struct DenoisingPairs: Sendable, Equatable {
    public var noisy: Matrix
    public var noise: Matrix
    /// The row of the clean image each pair came from.
    public var image: [Int]
    /// n × L one-hot classes (a zero row where the label was dropped), or nil.
    public var condition: Matrix?
}

/// The top-k principal components of a set of rows (centred on their mean):
/// the latent space of latent diffusion, and the space of the Fréchet distance.
public struct PrincipalComponents: Sendable, Equatable {
    public let mean: [Double]
    /// d × k, the leading eigenvectors of the covariance as columns, largest first.
    public let basis: Matrix

    public init(_ rows: Matrix, components: Int) throws {
        let d = rows.columns, k = min(components, d)
        let means = rows.columnMeans, covariance = rows.scatter(about: means)
        let (_, vectors) = try LAPACK.symmetricEigen(covariance)
        var basis = Matrix(rows: d, columns: k)
        for j in 0..<d { for c in 0..<k { basis.storage[j * k + c] = vectors[j, d - 1 - c] } }
        mean = means
        self.basis = basis
    }

    public var components: Int { basis.columns }

    /// The rows' coordinates in the components (n × k).
    public func project(_ rows: Matrix) -> Matrix {
        BLAS.product(rows.centered(by: mean), basis)
    }

    /// Points of the component space back in the original one: μ + B·z per row.
    public func reconstruct(_ codes: Matrix) -> Matrix {
        BLAS.product(codes, .none, basis, .transpose).centered(by: mean.map { -$0 })  // centring by −μ adds μ
    }
}

/// What `diffuse` hands downstream: the clean training and held-out images,
/// the space the diffusion runs in (pixels, or a PCA latent space of the
/// training images), the schedule, and the denoising pairs of every step.
public struct DiffusionData: Sendable, Equatable {
    public var schedule: NoiseSchedule
    public var copies: Int
    /// The training images the denoisers learn from, and the held-out ones, in pixels.
    public var train: ImageSet
    public var test: ImageSet?
    /// Every training image of the split (the class-agreement classifier learns from them).
    public var classifierImages: ImageSet
    /// The latent space (nil: the diffusion runs on pixels).
    public var latent: PrincipalComponents?
    /// The training images in the diffusion's space (N × m): latent codes or pixels.
    public var trainPoints: Matrix
    /// L, the number of classes, when the denoisers are conditioned on the label.
    public var classes: Int?
    /// Per step t = 1…T (index t − 1).
    public var trainPairs: [DenoisingPairs]
    public var testPairs: [DenoisingPairs]?

    /// Runs the forward process on every image (or its latent code): `copies`
    /// independent chains x_t = x_{t−1} + ε_t per image, each giving one pair
    /// (x_t, ε_t) at every step. Chain k of image i draws from substream k of
    /// `stream.derived("train/i")` (or "test/i"), so an image's noise does not
    /// depend on how many images come before or after it. With `conditioned`,
    /// each training pair keeps its image's class except with probability
    /// `labelDropout` (then no class: the unconditional denoiser guidance needs),
    /// drawn from `stream.derived("dropout/i")`.
    /// Held-out images get `testCopies` chains each (default: `copies`).
    public init(train: ImageSet, test: ImageSet?, classifierImages: ImageSet? = nil, schedule: NoiseSchedule, copies: Int,
                testCopies: Int? = nil, latent: Int? = nil, conditioned: Bool = false, labelDropout: Double = 0,
                stream: RandomStream) throws {
        precondition(copies >= 1, "at least one copy")
        precondition(!conditioned || train.labels != nil, "conditioning needs labels")
        self.schedule = schedule
        self.copies = copies
        self.train = train
        self.test = test
        self.classifierImages = classifierImages ?? train
        let map = try latent.map { try PrincipalComponents(train.images, components: $0) }
        self.latent = map
        let encode = { (images: Matrix) in map?.project(images) ?? images }
        trainPoints = encode(train.images)
        // L: every class any image shows (held-out ones included, so a held-out class is a column of its own).
        let classes = conditioned ? ((self.classifierImages.labels ?? []) + (train.labels ?? []) + (test?.labels ?? [])).max().map { $0 + 1 } : nil
        self.classes = classes
        trainPairs = DiffusionData.pairs(trainPoints, labels: classes.map { _ in train.labels! }, classes: classes ?? 0,
                                         dropout: labelDropout, schedule: schedule, copies: copies, stream: stream, part: "train")
        testPairs = test.map { test in
            DiffusionData.pairs(encode(test.images), labels: classes == nil ? nil : test.labels, classes: classes ?? 0, dropout: 0,
                                schedule: schedule, copies: testCopies ?? copies, stream: stream, part: "test")
        }
    }

    /// m, the dimension the diffusion runs in.
    public var dimension: Int { trainPoints.columns }

    /// Diffusion-space points back in pixels.
    public func decode(_ points: Matrix) -> Matrix { latent?.reconstruct(points) ?? points }

    static func pairs(_ points: Matrix, labels: [Int]?, classes: Int, dropout: Double, schedule: NoiseSchedule, copies: Int,
                      stream: RandomStream, part: String) -> [DenoisingPairs] {
        let d = points.columns, n = points.rows * copies, steps = schedule.steps
        var noisy = [[Double]](repeating: [Double](repeating: 0, count: n * d), count: steps)
        var noise = noisy
        var condition: [[Double]]? = labels.map { _ in [[Double]](repeating: [Double](repeating: 0, count: n * classes), count: steps) }
        var state = [Double](repeating: 0, count: d)
        for i in 0..<points.rows {
            let image = stream.derived("\(part)/\(i)")
            var dropping = stream.derived("dropout/\(part)/\(i)")
            for k in 0..<copies {
                var draws = image.substream(k)
                let row = i * copies + k
                for j in 0..<d { state[j] = points[i, j] }
                for t in 0..<steps {
                    let sigma = schedule.sigmas[t]
                    for j in 0..<d {
                        let epsilon = sigma * draws.nextGaussian()
                        state[j] += epsilon
                        noise[t][row * d + j] = epsilon
                        noisy[t][row * d + j] = state[j]
                    }
                    if let labels, dropout == 0 || dropping.nextUniform() >= dropout {
                        condition![t][row * classes + labels[i]] = 1
                    }
                }
            }
        }
        let image = (0..<n).map { $0 / copies }
        return (0..<steps).map { t in
            DenoisingPairs(noisy: Matrix(rows: n, columns: d, storage: noisy[t]),
                           noise: Matrix(rows: n, columns: d, storage: noise[t]), image: image,
                           condition: condition.map { Matrix(rows: n, columns: classes, storage: $0[t]) })
        }
    }
}
