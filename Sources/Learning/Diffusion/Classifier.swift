import Datasets
import LinearAlgebra

/// The classifier that judges whether a sample shows the class it was asked
/// for: ridge regression of the ±1 one-vs-rest targets on the pixels (with an
/// intercept), predicting the class of the largest score — scikit-learn's
/// `RidgeClassifier` with alpha = n·λ. λ is 10⁻² of the mean pixel variance, a
/// light penalty that keeps the 64 × 64 system well conditioned.
public struct RidgeClassifier: Sendable {
    public let weights: Matrix
    public let intercept: [Double]
    public let lambda: Double

    public init(_ images: ImageSet) throws {
        guard let labels = images.labels, let top = labels.max() else { throw LearningError("the classifier needs labelled images") }
        let x = images.images, n = x.rows, d = x.columns, classes = top + 1
        let means = x.columnMeans, centered = x.centered(by: means)
        var signs = Matrix(rows: n, columns: classes, repeating: -1)
        for (i, label) in labels.enumerated() { signs.storage[i * classes + label] = 1 }
        let targetMeans = signs.columnMeans, targets = signs.centered(by: targetMeans)
        var gram = BLAS.product(centered, .transpose, centered, .none)
        for index in gram.storage.indices { gram.storage[index] /= Double(n) }
        lambda = 1e-2 * (0..<d).reduce(0) { $0 + gram[$1, $1] } / Double(d)
        for j in 0..<d { gram.storage[j * d + j] += lambda }
        var cross = BLAS.product(centered, .transpose, targets, .none)
        for index in cross.storage.indices { cross.storage[index] /= Double(n) }
        let solved = try LAPACK.choleskySolve(gram, cross)
        weights = solved
        intercept = (0..<classes).map { c in targetMeans[c] - (0..<d).reduce(0) { $0 + means[$1] * solved[$1, c] } }
    }

    /// The predicted class of every row.
    public func predict(_ x: Matrix) -> [Int] {
        let scores = BLAS.product(x, weights), classes = weights.columns
        return (0..<x.rows).map { i in
            (0..<classes).max { scores[i, $0] + intercept[$0] < scores[i, $1] + intercept[$1] }!
        }
    }
}
