import LinearAlgebra

/// The minimum-ℓ2-norm least-squares solution X⁺y: for d > n with X of full
/// row rank, the interpolant Xᵀ(XXᵀ)⁻¹y that gradient descent on the linear
/// model from w₀ = 0 converges to (its iterates never leave the row space of X).
public enum MinimumNorm {
    /// By a divide-and-conquer SVD (dgelsd), robust to rank deficiency: singular
    /// values below ε·max(n, d)·σ_max count as zero.
    public static func solve(_ x: Matrix, _ y: [Double]) throws -> [Double] {
        try LAPACK.minimumNormLeastSquares(x, y)
    }

    /// By the dual system: w = Xᵀν with (XXᵀ)ν = y solved by Cholesky. For
    /// d > n and X of full row rank only (throws otherwise); cheaper than the SVD
    /// when d ≫ n.
    public static func solveDual(_ x: Matrix, _ y: [Double]) throws -> [Double] {
        let gram = BLAS.product(x, .none, x, .transpose)
        let nu = try LAPACK.choleskySolve(gram, y)
        return BLAS.product(x, .transpose, nu)
    }

    /// The point gradient descent on the linear model reaches from w₀:
    /// w₀ + X⁺(y − Xw₀), the interpolant closest to w₀.
    public static func solve(_ x: Matrix, _ y: [Double], from start: [Double]) throws -> [Double] {
        var residual = y
        BLAS.gemv(x, .none, start, alpha: -1, beta: 1, into: &residual)
        var w = try solve(x, residual)
        BLAS.axpy(1, start, &w)
        return w
    }
}
