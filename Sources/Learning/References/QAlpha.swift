import LinearAlgebra

#if canImport(Glibc)
import Glibc
#endif

/// The implicit-bias limit of the depth-2 diagonal model w = u² − v² trained by
/// gradient flow from u₀ = v₀ = α·1 (Woodworth, Gunasekar, Lee, Moroshko,
/// Savarese, Golan, Soudry and Srebro, "Kernel and Rich Regimes in
/// Overparametrized Models", COLT 2020, Theorem 1):
///
///     w_α = argmin Q_α(w) subject to Xw = y,
///     Q_α(w) = α²·Σᵢ q(wᵢ/α²),  q(z) = 2 − √(4 + z²) + z·asinh(z/2).
///
/// Large α gives the minimum-ℓ2 interpolant, α → 0 the minimum-ℓ1 one.
///
/// Derivation of the solver. q′(z) = asinh(z/2), so ∇Q_α(w)ᵢ = asinh(wᵢ/(2α²)).
/// The Lagrange conditions ∇Q_α(w) = Xᵀν give wᵢ(ν) = 2α²·sinh((Xᵀν)ᵢ), and
/// the constraint becomes F(ν) = X·w(ν) − y = 0: n equations in n unknowns.
/// F is the gradient of the convex dual function
///
///     φ(ν) = Σᵢ 2α²·cosh((Xᵀν)ᵢ) − νᵀy,
///
/// whose Hessian X·diag(2α²·cosh(Xᵀν))·Xᵀ is symmetric positive definite when X
/// has full row rank. Newton's method on φ solves F(ν) = 0: each step is one
/// n × n Cholesky solve, with a backtracking line search from ν = 0 that
/// accepts a step when φ decreases by the Armijo amount or, once that decrease
/// is below φ's own rounding error near the solution, when ‖F‖ decreases in
/// proportion. It stops when ‖F(ν)‖ ≤ `tolerance`·‖y‖.
public enum QAlpha {
    public static func solve(_ x: Matrix, _ y: [Double], alpha: Double,
                             tolerance: Double = 1e-13, maxIterations: Int = 200) throws -> [Double] {
        guard alpha > 0, alpha.isFinite else { throw LearningError("q_alpha: alpha must be positive (got \(alpha))") }
        let n = x.rows, d = x.columns
        let scale = 2 * alpha * alpha
        let target = tolerance * max(BLAS.nrm2(y), .leastNormalMagnitude)
        var nu = [Double](repeating: 0, count: n)

        func weights(_ nu: [Double]) -> (t: [Double], w: [Double]) {
            let t = BLAS.product(x, .transpose, nu)
            return (t, t.map { scale * sinh($0) })
        }
        func dual(_ nu: [Double]) -> Double {
            let t = BLAS.product(x, .transpose, nu)
            return t.reduce(0) { $0 + scale * cosh($1) } - BLAS.dot(nu, y)
        }
        func residualNorm(_ nu: [Double]) -> Double {
            var residual = y
            BLAS.gemv(x, .none, weights(nu).w, alpha: 1, beta: -1, into: &residual)
            return BLAS.nrm2(residual)
        }

        for _ in 0..<maxIterations {
            let (t, w) = weights(nu)
            var residual = y
            BLAS.gemv(x, .none, w, alpha: 1, beta: -1, into: &residual)   // F = Xw − y
            if BLAS.nrm2(residual) <= target { return w }
            // J = X·diag(2α²·cosh t)·Xᵀ
            var scaled = x
            for i in 0..<n { for j in 0..<d { scaled[i, j] *= scale * cosh(t[j]) } }
            let hessian = BLAS.product(scaled, .none, x, .transpose)
            let direction = try LAPACK.choleskySolve(hessian, residual)
            let slope = BLAS.dot(residual, direction)
            let current = dual(nu), currentNorm = BLAS.nrm2(residual)
            var step = 1.0
            var accepted = false
            for _ in 0..<60 {
                var trial = nu
                BLAS.axpy(-step, direction, &trial)
                let value = dual(trial)
                if value.isFinite, value <= current - 1e-4 * step * slope
                    || residualNorm(trial) <= (1 - 1e-4 * step) * currentNorm {
                    nu = trial
                    accepted = true
                    break
                }
                step /= 2
            }
            if !accepted {
                // No decrease is possible at working precision: ν is as good as it gets.
                let (_, w) = weights(nu)
                var check = y
                BLAS.gemv(x, .none, w, alpha: 1, beta: -1, into: &check)
                if BLAS.nrm2(check) <= 1e3 * target { return w }
                throw LearningError("q_alpha: the Newton line search stalled at residual \(BLAS.nrm2(check)) (α = \(alpha))")
            }
        }
        throw LearningError("q_alpha: Newton's method did not converge in \(maxIterations) iterations (α = \(alpha))")
    }

    /// Q_α(w) = α²·Σ q(wᵢ/α²).
    public static func objective(_ w: [Double], alpha: Double) -> Double {
        let a2 = alpha * alpha
        return a2 * w.reduce(0) { sum, value in
            let z = value / a2
            return sum + 2 - (4 + z * z).squareRoot() + z * asinh(z / 2)
        }
    }
}
