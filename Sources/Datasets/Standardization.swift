/// Centring and scaling learned from training rows only, then applied unchanged
/// to training and test rows — so no test statistic leaks into training.
///
/// Feature j becomes (x_j − mean_j) / scale_j, where scale_j is the population
/// standard deviation (ddof = 0, as scikit-learn's `StandardScaler`), or 1 for a
/// constant column; y becomes y − mean(y). A known truth w* is carried into the
/// new coordinates (w*_j · scale_j); the design is no longer a known Gaussian.
public struct Standardization: Sendable, Equatable {
    public var featureMeans: [Double]
    public var featureScales: [Double]
    public var targetMean: Double

    public init(featureMeans: [Double], featureScales: [Double], targetMean: Double) {
        self.featureMeans = featureMeans
        self.featureScales = featureScales
        self.targetMean = targetMean
    }

    /// Learns the statistics of `train`. With `center` false the means are 0;
    /// with `scale` false the scales are 1; with `centerTarget` false y is kept.
    ///
    /// Overflow-safe: means and variances are computed directly (two passes
    /// around the mean, no cancellation), and for a column where that
    /// overflows — values near ±1.8e308 — again on the column divided by its
    /// largest magnitude. A statistic that is not finite even so is an error
    /// naming the column, never a silent 0 or 1.
    public init(fitting train: Dataset, center: Bool = true, scale: Bool = true,
                centerTarget: Bool = true) throws(NumericRangeError) {
        let n = train.rows, d = train.features
        var means = [Double](repeating: 0, count: d)
        var scales = [Double](repeating: 1, count: d)
        if n > 0, center || scale {
            let storage = train.x.storage
            for j in 0..<d {
                let (mean, deviation) = Standardization.moments(n: n) { storage[$0 * d + j] }
                guard mean.isFinite, deviation.isFinite else {
                    throw NumericRangeError(column: j, name: train.featureNames[j],
                                            message: "its mean or standard deviation is not a finite number")
                }
                if center { means[j] = mean }
                if scale { scales[j] = deviation > 0 ? deviation : 1 }
            }
        }
        var targetMean = 0.0
        if centerTarget, n > 0 {
            targetMean = Standardization.moments(n: n) { train.y[$0] }.mean
            guard targetMean.isFinite else {
                throw NumericRangeError(column: nil, name: "y", message: "its mean is not a finite number")
            }
        }
        self.featureMeans = means
        self.featureScales = scales
        self.targetMean = targetMean
    }

    /// The mean and the population standard deviation of `n` values: directly
    /// when that stays finite, else on the values scaled by their largest
    /// magnitude and scaled back.
    static func moments(n: Int, _ value: (Int) -> Double) -> (mean: Double, deviation: Double) {
        var sum = 0.0
        for i in 0..<n { sum += value(i) }
        let mean = sum / Double(n)
        var squares = 0.0
        for i in 0..<n {
            let deviation = value(i) - mean
            squares += deviation * deviation
        }
        let deviation = (squares / Double(n)).squareRoot()
        if mean.isFinite, deviation.isFinite { return (mean, deviation) }
        var largest = 0.0
        for i in 0..<n { largest = max(largest, abs(value(i))) }
        guard largest > 0, largest.isFinite else { return (.nan, .nan) }
        var scaledSum = 0.0
        for i in 0..<n { scaledSum += value(i) / largest }
        let scaledMean = scaledSum / Double(n)
        var scaledSquares = 0.0
        for i in 0..<n {
            let deviation = value(i) / largest - scaledMean
            scaledSquares += deviation * deviation
        }
        return (scaledMean * largest, (scaledSquares / Double(n)).squareRoot() * largest)
    }

    /// The data in standardized coordinates. A value whose standardized form
    /// overflows is computed from the scaled values instead; one that is not
    /// finite even so is an error naming its column.
    public func apply(to data: Dataset) throws(NumericRangeError) -> Dataset {
        precondition(data.features == featureMeans.count, "fitted on \(featureMeans.count) features")
        var result = data
        let d = data.features
        var failed: Int?
        result.x.storage.withUnsafeMutableBufferPointer { storage in
            for i in 0..<data.rows {
                for j in 0..<d {
                    let value = storage[i * d + j]
                    var standardized = (value - featureMeans[j]) / featureScales[j]
                    if !standardized.isFinite { standardized = value / featureScales[j] - featureMeans[j] / featureScales[j] }
                    if !standardized.isFinite, failed == nil { failed = j }
                    storage[i * d + j] = standardized
                }
            }
        }
        if let failed {
            throw NumericRangeError(column: failed, name: data.featureNames[failed],
                                    message: "its standardized values are too large to represent")
        }
        result.y = data.y.map { $0 - targetMean }
        if let row = result.y.firstIndex(where: { !$0.isFinite }) {
            throw NumericRangeError(column: nil, name: "y", message: "row \(row) minus the mean of y is not a finite number")
        }
        result.truth = data.truth.map { truth in zip(truth, featureScales).map { $0 * $1 } }
        result.design = nil
        return result
    }

    /// Fits on the training rows and applies to both sides of a split.
    public static func standardize(_ split: Split, center: Bool = true, scale: Bool = true,
                                   centerTarget: Bool = true) throws(NumericRangeError) -> (Split, Standardization) {
        let fitted = try Standardization(fitting: split.train, center: center, scale: scale, centerTarget: centerTarget)
        return (Split(train: try fitted.apply(to: split.train), test: try fitted.apply(to: split.test)), fitted)
    }
}

/// A statistic of the data that cannot be represented (a variance that
/// overflows even when computed on scaled values): names the column.
public struct NumericRangeError: Error, CustomStringConvertible, Sendable {
    /// The 0-based feature column, or nil for y.
    public var column: Int?
    public var name: String
    public var message: String

    public var description: String {
        (column.map { "column \($0 + 1) ('\(name)')" } ?? "'\(name)'") + ": " + message
    }
}
