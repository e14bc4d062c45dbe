import Dispatch

/// What `synthesize` draws: a Gaussian design, a ground truth w*, and labels
/// y = X·w* + σ·ε with standard normal ε.
public struct SynthesisSpec: Sendable, Hashable {
    /// The ground truth's shape.
    public enum Truth: Sendable, Hashable {
        /// k nonzero weights at uniformly random positions, each `value`, or
        /// ±`value` with random signs.
        case sparse(k: Int, value: Double, randomSigns: Bool)
        /// A dense weight vector: a uniformly random direction scaled to ‖w*‖₂ = norm.
        case dense(norm: Double)
    }

    /// n, the number of rows.
    public var rows: Int
    /// d, the number of features.
    public var features: Int
    /// ρ of the AR(1) feature correlation, in (−1, 1); 0 for an isotropic design.
    public var correlation: Double
    public var truth: Truth
    /// σ, the standard deviation of the label noise.
    public var noise: Double
    /// Labels y = X·w* + σε, or their signs ±1 (for the logistic loss; a zero
    /// counts as +1).
    public var signLabels: Bool

    public init(rows: Int, features: Int, correlation: Double = 0,
                truth: Truth = .sparse(k: 5, value: 1, randomSigns: false), noise: Double = 0, signLabels: Bool = false) {
        self.rows = rows
        self.features = features
        self.correlation = correlation
        self.truth = truth
        self.noise = noise
        self.signLabels = signLabels
    }

    /// Problems with the spec, in words (empty when it is valid).
    public var problems: [String] {
        var problems: [String] = []
        if rows < 1 { problems.append("n must be at least 1 (got \(rows))") }
        if features < 1 { problems.append("d must be at least 1 (got \(features))") }
        if !(correlation > -1 && correlation < 1) { problems.append("rho must lie in (-1, 1) (got \(correlation))") }
        if !(noise >= 0) || !noise.isFinite { problems.append("noise must be a finite σ ≥ 0 (got \(noise))") }
        switch truth {
        case .sparse(let k, let value, _):
            if k < 0 || k > features { problems.append("k must lie in 0…d = 0…\(features) (got \(k))") }
            if !value.isFinite { problems.append("the truth's value must be finite") }
        case .dense(let norm):
            if !(norm >= 0) || !norm.isFinite { problems.append("the truth's norm must be finite and ≥ 0") }
        }
        return problems
    }
}

/// A buffer's base address handed to the blocks of a concurrentPerform, each
/// of which writes rows no other block writes.
private struct UncheckedBuffer: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Double>?
    init(_ pointer: UnsafeMutablePointer<Double>?) { self.pointer = pointer }
}

extension Dataset {
    /// Draws a data set from `spec`.
    ///
    /// Each part uses its own stream derived from `stream`: "truth" for w*,
    /// "design" for X and "noise" for ε. Row i of X and its noise come from
    /// substream i, so the first n rows are the same whatever the total n — a
    /// sweep over n sees nested designs — and nothing depends on draw order.
    /// For ρ ≠ 0, row i is x₁ = z₁, x_j = ρ·x_{j−1} + √(1−ρ²)·z_j, which has
    /// unit variances and Corr(x_i, x_j) = ρ^|i−j|.
    public static func synthesize(_ spec: SynthesisSpec, stream: RandomStream) -> Dataset {
        precondition(spec.problems.isEmpty, spec.problems.joined(separator: "; "))
        let n = spec.rows, d = spec.features
        let truth = drawTruth(spec.truth, features: d, stream: stream.derived("truth"))

        let design = stream.derived("design")
        let rho = spec.correlation
        let innovation = (1 - rho * rho).squareRoot()
        // Each row draws from its own substream, so rows are filled in parallel
        // blocks with the same values as one after another.
        let x = [Double](unsafeUninitializedCapacity: n * d) { buffer, count in
            let storage = UncheckedBuffer(buffer.baseAddress)
            let blocks = min(n, 64)
            DispatchQueue.concurrentPerform(iterations: blocks) { block in
                guard let values = storage.pointer else { return }
                for i in stride(from: block, to: n, by: blocks) {
                    var row = design.substream(i)
                    let base = i * d
                    var previous = 0.0
                    for j in 0..<d {
                        let z = row.nextGaussian()
                        let value = j == 0 ? z : rho * previous + innovation * z
                        (values + base + j).initialize(to: value)
                        previous = value
                    }
                }
            }
            count = n * d
        }

        var y = [Double](repeating: 0, count: n)
        let noise = stream.derived("noise")
        for i in 0..<n {
            var signal = 0.0
            let base = i * d
            for j in 0..<d where truth[j] != 0 { signal += x[base + j] * truth[j] }
            var epsilon = noise.substream(i)
            y[i] = signal + (spec.noise > 0 ? spec.noise * epsilon.nextGaussian() : 0)
            if spec.signLabels { y[i] = y[i] < 0 ? -1 : 1 }
        }
        // Sign labels are no longer X·w* + σε: no population risk for them.
        return Dataset(x: .init(rows: n, columns: d, storage: x), y: y, truth: truth,
                       noise: spec.signLabels ? nil : spec.noise, design: spec.signLabels ? nil : .gaussian(correlation: rho))
    }

    private static func drawTruth(_ truth: SynthesisSpec.Truth, features d: Int, stream: RandomStream) -> [Double] {
        var stream = stream
        var weights = [Double](repeating: 0, count: d)
        switch truth {
        case .sparse(let k, let value, let randomSigns):
            // A partial Fisher–Yates shuffle picks k distinct positions.
            var positions = Array(0..<d)
            for i in 0..<k {
                positions.swapAt(i, i + stream.nextInt(below: d - i))
                let sign: Double = randomSigns && stream.nextUInt64() & 1 == 1 ? -1 : 1
                weights[positions[i]] = sign * value
            }
        case .dense(let norm):
            for j in 0..<d { weights[j] = stream.nextGaussian() }
            let length = weights.reduce(0) { $0 + $1 * $1 }.squareRoot()
            if length > 0 { weights = weights.map { $0 * norm / length } }
        }
        return weights
    }
}
