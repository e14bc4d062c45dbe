import Base
import Datasets
import LinearAlgebra

/// The thin SVD X = U·diag(s)·Vᵀ of one data set, and every closed form of the
/// linear model from it: ridge at any λ, w(λ) = V·diag(s/(s² + nλ))·Uᵀy, and
/// the minimum-norm interpolant from any start, w₀ + V·diag(1/s)·Uᵀ(y − Xw₀).
/// Singular values at or below ε·max(n, d)·s_max count as zero, as in
/// `MinimumNorm` (dgelsd). One factorization (O(n·d·min(n, d))) serves a whole
/// λ path at O(d·min(n, d)) per λ; `SpectrumCache` shares it across the
/// batches of a run.
public final class LinearSpectrum: Sendable {
    public let rows: Int, features: Int
    let svd: LAPACK.SVD
    /// The singular values kept (above the cutoff); the rest act as zero.
    let rank: Int
    /// Uᵀy for the data's own labels.
    let projectedLabels: [Double]

    public init(_ x: Matrix, _ y: [Double]) throws {
        rows = x.rows
        features = x.columns
        svd = try LAPACK.thinSVD(x)
        let cutoff = Double.ulpOfOne * Double(max(x.rows, x.columns)) * (svd.singularValues.first ?? 0)
        rank = svd.singularValues.prefix { $0 > cutoff }.count
        projectedLabels = BLAS.product(svd.u, .transpose, y)
    }

    /// w = V·C for coefficient columns C (one per solution, in the basis of the
    /// kept singular vectors), as one product.
    private func solutions(_ coefficients: [[Double]]) -> [[Double]] {
        guard !coefficients.isEmpty else { return [] }
        let count = coefficients.count, r = svd.singularValues.count
        var matrix = Matrix(rows: r, columns: count)
        for (column, values) in coefficients.enumerated() {
            for i in 0..<rank { matrix[i, column] = values[i] }
        }
        let product = BLAS.product(svd.vt, .transpose, matrix, .none)  // d × count
        return (0..<count).map { column in (0..<features).map { product[$0, column] } }
    }

    /// Ridge at each λ (argmin 1/(2n)‖Xw − y‖² + λ/2‖w‖²); λ = 0 gives X⁺y.
    public func ridge(lambdas: [Double]) -> [[Double]] {
        let n = Double(rows), s = svd.singularValues
        return solutions(lambdas.map { lambda in
            (0..<rank).map { i in projectedLabels[i] * s[i] / (s[i] * s[i] + n * lambda) }
        })
    }

    /// w₀ + X⁺(y − Xw₀) for each start w₀: where GD on the linear model from w₀ converges.
    public func minimumNorm(x: Matrix, y: [Double], from starts: [[Double]]) -> [[Double]] {
        let s = svd.singularValues
        let corrections = solutions(starts.map { start in
            var residual = y
            BLAS.gemv(x, .none, start, alpha: -1, beta: 1, into: &residual)
            let projected = BLAS.product(svd.u, .transpose, residual)
            return (0..<rank).map { projected[$0] / s[$0] }
        })
        return zip(starts, corrections).map { start, correction in zip(start, correction).map { $0 + $1 } }
    }
}

/// One `LinearSpectrum` per data set for the length of a run, computed by the
/// first batch that needs it (others wait for it rather than compute it again)
/// and dropped when the data is.
public final class SpectrumCache: Sendable {
    private final class Entry: Sendable {
        let value = Locked<LinearSpectrum?>(nil)
    }
    private let entries = Locked<[String: Entry]>([:])

    public init() {}

    /// The spectrum of the data set named `key` (its content key), computed once.
    public func spectrum(key: String, x: Matrix, y: [Double]) throws -> LinearSpectrum {
        let entry = entries.withLock { entries in
            if let known = entries[key] { return known }
            let made = Entry()
            entries[key] = made
            return made
        }
        return try entry.value.withLock { value in
            if let value { return value }
            let computed = try LinearSpectrum(x, y)
            value = computed
            return computed
        }
    }

    /// Forgets the spectrum of `key`.
    public func remove(key: String) {
        _ = entries.withLock { $0.removeValue(forKey: key) }
    }

    /// How many spectra are held.
    public var count: Int { entries.withLock { $0.count } }
}
