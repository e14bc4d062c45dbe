import Datasets
import LinearAlgebra

/// Ridge regression: argmin 1/(2n)‖Xw − y‖² + λ/2‖w‖², i.e.
/// w = (XᵀX + nλI)⁻¹Xᵀy = Xᵀ(XXᵀ + nλI)⁻¹y — scikit-learn's
/// `Ridge(alpha = n·λ, fit_intercept = False)`.
public enum Ridge {
    /// The system of the smaller side: primal d × d when n ≥ d, dual n × n when d > n.
    public static func solve(_ x: Matrix, _ y: [Double], lambda: Double) throws -> [Double] {
        x.rows >= x.columns ? try solvePrimal(x, y, lambda: lambda) : try solveDual(x, y, lambda: lambda)
    }

    /// (XᵀX + nλI)w = Xᵀy by Cholesky.
    public static func solvePrimal(_ x: Matrix, _ y: [Double], lambda: Double) throws -> [Double] {
        var gram = BLAS.product(x, .transpose, x, .none)
        let shift = Double(x.rows) * lambda
        for j in 0..<x.columns { gram[j, j] += shift }
        return try LAPACK.choleskySolve(gram, BLAS.product(x, .transpose, y))
    }

    /// w = Xᵀν with (XXᵀ + nλI)ν = y by Cholesky.
    public static func solveDual(_ x: Matrix, _ y: [Double], lambda: Double) throws -> [Double] {
        var gram = BLAS.product(x, .none, x, .transpose)
        let shift = Double(x.rows) * lambda
        for i in 0..<x.rows { gram[i, i] += shift }
        return BLAS.product(x, .transpose, try LAPACK.choleskySolve(gram, y))
    }

    /// The whole path from one thin SVD X = U·diag(s)·Vᵀ:
    /// w(λ) = V·diag(s/(s² + nλ))·Uᵀy. λ = 0 gives the minimum-norm solution
    /// (singular values below ε·max(n, d)·s_max are dropped, as `MinimumNorm`).
    public static func path(_ x: Matrix, _ y: [Double], lambdas: [Double]) throws -> [[Double]] {
        let svd = try LAPACK.thinSVD(x)
        let projected = BLAS.product(svd.u, .transpose, y)
        let cutoff = Double.ulpOfOne * Double(max(x.rows, x.columns)) * (svd.singularValues.first ?? 0)
        let n = Double(x.rows)
        return lambdas.map { lambda in
            let coefficients = zip(svd.singularValues, projected).map { s, c in
                s > cutoff ? c * s / (s * s + n * lambda) : 0
            }
            return BLAS.product(svd.vt, .transpose, coefficients)
        }
    }
}

extension Ridge {
    /// The oracle penalty σ²·d/(n·‖w*‖²): the λ that minimizes the
    /// asymptotic prediction risk of ridge on an isotropic Gaussian design
    /// (Dobriban and Wager, "High-dimensional asymptotics of prediction: ridge
    /// regression and classification", Annals of Statistics 2018). Needs
    /// synthetic data with a known nonzero truth and noise level.
    public static func oracleLambda(for data: Dataset) throws -> Double {
        guard let truth = data.truth, let noise = data.noise, case .gaussian(let rho)? = data.design, rho == 0 else {
            throw LearningError("l2: oracle needs isotropic synthetic data with a known truth and noise (synthesize with rho 0)")
        }
        let signal = truth.reduce(0) { $0 + $1 * $1 }
        guard signal > 0 else { throw LearningError("l2: oracle needs a nonzero truth") }
        return noise * noise * Double(data.features) / (Double(data.rows) * signal)
    }
}
