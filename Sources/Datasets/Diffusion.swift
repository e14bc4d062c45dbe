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

/// The denoising pairs of one step t: noisy images x_t (n × d) and the noise
/// ε_t (n × d) a denoiser is trained to predict from them, n = images × copies.
public struct DenoisingPairs: Sendable, Equatable {
    public var noisy: Matrix
    public var noise: Matrix
    /// The row of the clean image each pair came from.
    public var image: [Int]
}

/// What `diffuse` hands downstream: the clean training and held-out images,
/// the schedule, and the denoising pairs of every step for both.
public struct DiffusionData: Sendable, Equatable {
    public var schedule: NoiseSchedule
    public var copies: Int
    public var train: ImageSet
    public var test: ImageSet?
    /// Per step t = 1…T (index t − 1).
    public var trainPairs: [DenoisingPairs]
    public var testPairs: [DenoisingPairs]?

    /// Runs the forward process on every image: `copies` independent chains
    /// x_t = x_{t−1} + ε_t per image, each giving one pair (x_t, ε_t) at every
    /// step. Chain k of image i draws from substream k of
    /// `stream.derived("train/i")` (or "test/i"), so an image's noise does not
    /// depend on how many images come before or after it.
    public init(train: ImageSet, test: ImageSet?, schedule: NoiseSchedule, copies: Int, stream: RandomStream) {
        precondition(copies >= 1, "at least one copy")
        self.schedule = schedule
        self.copies = copies
        self.train = train
        self.test = test
        trainPairs = DiffusionData.pairs(train, schedule: schedule, copies: copies, stream: stream.derived("train"))
        testPairs = test.map { DiffusionData.pairs($0, schedule: schedule, copies: copies, stream: stream.derived("test")) }
    }

    static func pairs(_ set: ImageSet, schedule: NoiseSchedule, copies: Int, stream: RandomStream) -> [DenoisingPairs] {
        let d = set.pixels, n = set.count * copies, steps = schedule.steps
        var noisy = [[Double]](repeating: [Double](repeating: 0, count: n * d), count: steps)
        var noise = noisy
        var state = [Double](repeating: 0, count: d)
        for i in 0..<set.count {
            let image = stream.derived("\(i)")
            for k in 0..<copies {
                var draws = image.substream(k)
                let row = i * copies + k
                for j in 0..<d { state[j] = set.images[i, j] }
                for t in 0..<steps {
                    let sigma = schedule.sigmas[t]
                    for j in 0..<d {
                        let epsilon = sigma * draws.nextGaussian()
                        state[j] += epsilon
                        noise[t][row * d + j] = epsilon
                        noisy[t][row * d + j] = state[j]
                    }
                }
            }
        }
        let image = (0..<n).map { $0 / copies }
        return (0..<steps).map { t in
            DenoisingPairs(noisy: Matrix(rows: n, columns: d, storage: noisy[t]),
                           noise: Matrix(rows: n, columns: d, storage: noise[t]), image: image)
        }
    }
}
