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
    public init(fitting train: Dataset, center: Bool = true, scale: Bool = true, centerTarget: Bool = true) {
        let n = train.rows, d = train.features
        var means = [Double](repeating: 0, count: d)
        var scales = [Double](repeating: 1, count: d)
        if n > 0 {
            let storage = train.x.storage
            if center {
                for i in 0..<n { for j in 0..<d { means[j] += storage[i * d + j] } }
                for j in 0..<d { means[j] /= Double(n) }
            }
            if scale {
                var squares = [Double](repeating: 0, count: d)
                // Two passes around the column means: no cancellation.
                var columnMeans = means
                if !center {
                    columnMeans = [Double](repeating: 0, count: d)
                    for i in 0..<n { for j in 0..<d { columnMeans[j] += storage[i * d + j] } }
                    for j in 0..<d { columnMeans[j] /= Double(n) }
                }
                for i in 0..<n {
                    for j in 0..<d {
                        let deviation = storage[i * d + j] - columnMeans[j]
                        squares[j] += deviation * deviation
                    }
                }
                for j in 0..<d {
                    let deviation = (squares[j] / Double(n)).squareRoot()
                    scales[j] = deviation > 0 ? deviation : 1
                }
            }
        }
        self.featureMeans = means
        self.featureScales = scales
        self.targetMean = centerTarget && n > 0 ? train.y.reduce(0, +) / Double(n) : 0
    }

    /// The data in standardized coordinates.
    public func apply(to data: Dataset) -> Dataset {
        precondition(data.features == featureMeans.count, "fitted on \(featureMeans.count) features")
        var result = data
        let d = data.features
        result.x.storage.withUnsafeMutableBufferPointer { storage in
            for i in 0..<data.rows {
                for j in 0..<d { storage[i * d + j] = (storage[i * d + j] - featureMeans[j]) / featureScales[j] }
            }
        }
        result.y = data.y.map { $0 - targetMean }
        result.truth = data.truth.map { truth in zip(truth, featureScales).map { $0 * $1 } }
        result.design = nil
        return result
    }

    /// Fits on the training rows and applies to both sides of a split.
    public static func standardize(_ split: Split, center: Bool = true, scale: Bool = true,
                                   centerTarget: Bool = true) -> (Split, Standardization) {
        let fitted = Standardization(fitting: split.train, center: center, scale: scale, centerTarget: centerTarget)
        return (Split(train: fitted.apply(to: split.train), test: fitted.apply(to: split.test)), fitted)
    }
}
