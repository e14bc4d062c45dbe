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
///
/// Depth D ≥ 3 (the same paper's Theorem 2): gradient flow from u = v = α·1
/// keeps u^{2−D} = a − k·t and v^{2−D} = a + k·t with a = α^{2−D},
/// k = D(D − 2) and t = −∫∇_w L ∈ row space of X, so the limit is
/// w(t) = (a − k·t)^{−p} − (a + k·t)^{−p}, p = D/(D − 2), at the t = Xᵀν that
/// interpolates: argmin Q^D_α(w) subject to Xw = y with ∇Q^D_α = w⁻¹. The same
/// Newton method solves it, on the dual φ(ν) = Σᵢ H((Xᵀν)ᵢ) − νᵀy with
/// H(t) = ((a − k·t)^{1−p} + (a + k·t)^{1−p}) / (k·(p − 1)), convex on
/// |t| < a/k (outside it φ is +∞, which the line search refuses).
public enum QAlpha {
    /// The implicit-bias limit of the depth-`depth` diagonal model from α·1.
    public static func solve(_ x: Matrix, _ y: [Double], alpha: Double, depth: Int = 2,
                             tolerance: Double = 1e-13, maxIterations: Int = 5000) throws -> [Double] {
        guard alpha > 0, alpha.isFinite else { throw LearningError("q_alpha: alpha must be positive (got \(alpha))") }
        guard depth >= 2 else { throw LearningError("q_alpha: depth must be at least 2 (got \(depth))") }
        let n = x.rows, d = x.columns
        let map = Map(alpha: alpha, depth: depth)
        let target = tolerance * max(BLAS.nrm2(y), .leastNormalMagnitude)
        var nu = [Double](repeating: 0, count: n)

        func weights(_ nu: [Double]) -> (t: [Double], w: [Double]) {
            let t = BLAS.product(x, .transpose, nu)
            return (t, t.map(map.weight))
        }
        func dual(_ nu: [Double]) -> Double {
            let t = BLAS.product(x, .transpose, nu)
            return t.reduce(0) { $0 + map.potential($1) } - BLAS.dot(nu, y)
        }
        func residualNorm(_ nu: [Double]) -> Double {
            var residual = y
            BLAS.gemv(x, .none, weights(nu).w, alpha: 1, beta: -1, into: &residual)
            return BLAS.nrm2(residual)
        }

        // Near the edge of the domain (deep layers, small α) w(t) carries
        // rounding of order 1e-12: the residual then stops improving above the
        // target. Within 1e3 × the target, ten iterations without halving it
        // end the iteration there.
        var best = (norm: Double.infinity, w: [Double]()), sinceHalved = 0
        for _ in 0..<maxIterations {
            let (t, w) = weights(nu)
            var residual = y
            BLAS.gemv(x, .none, w, alpha: 1, beta: -1, into: &residual)   // F = Xw − y
            let norm = BLAS.nrm2(residual)
            if norm <= target { return w }
            if norm < best.norm / 2 { sinceHalved = 0 } else { sinceHalved += 1 }
            if norm < best.norm { best = (norm, w) }
            if sinceHalved >= 10, best.norm <= 1e3 * target { return best.w }
            // J = X·diag(w′(t))·Xᵀ
            var scaled = x
            let slopes = t.map(map.slope)
            for i in 0..<n { for j in 0..<d { scaled[i, j] *= slopes[j] } }
            let hessian = BLAS.product(scaled, .none, x, .transpose)
            let direction = try QAlpha.solveShifted(hessian, residual)
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
                throw LearningError("q_alpha: the Newton line search stalled at residual \(BLAS.nrm2(check)) (α = \(alpha), depth \(depth))")
            }
        }
        throw LearningError("q_alpha: Newton's method did not converge in \(maxIterations) iterations (α = \(alpha), depth \(depth))")
    }

    /// Solves J·δ = F by Cholesky; when J is positive definite only in exact
    /// arithmetic (deep layers at small α leave slopes 10⁻¹⁷ beside slopes of
    /// one), with the smallest diagonal shift, 10⁻¹⁴ × the largest diagonal
    /// entry and up by 100× to 10⁻⁶, that lets the factorization through —
    /// a slightly damped Newton step, which the line search still checks.
    static func solveShifted(_ hessian: Matrix, _ rhs: [Double]) throws -> [Double] {
        do {
            return try LAPACK.choleskySolve(hessian, rhs)
        } catch {
            let largest = (0..<hessian.rows).map { hessian[$0, $0] }.max() ?? 0
            var shift = 1e-14
            while shift <= 1e-6 {
                var shifted = hessian
                for i in 0..<shifted.rows { shifted[i, i] += shift * largest }
                if let direction = try? LAPACK.choleskySolve(shifted, rhs) { return direction }
                shift *= 100
            }
            throw error
        }
    }

    /// The weights as a function of t = Xᵀν, their slope, and the dual
    /// potential H (H′ = w, H″ = w′ > 0).
    public struct Map: Sendable {
        let depth: Int
        let scale: Double      // depth 2: 2α²
        let a: Double, k: Double, p: Double  // depth ≥ 3

        public init(alpha: Double, depth: Int) {
            self.depth = depth
            scale = 2 * alpha * alpha
            a = pow(alpha, Double(2 - depth))
            k = Double(depth * (depth - 2))
            p = depth > 2 ? Double(depth) / Double(depth - 2) : 0
        }

        /// (a − k·t)^{−p} − (a + k·t)^{−p}, written without the cancellation of
        /// two large powers: a^{−p}·(1 + x)^{−p}·expm1(2p·atanh x), x = k·t/a.
        public func weight(_ t: Double) -> Double {
            if depth == 2 { return scale * sinh(t) }
            let x = k * t / a
            guard abs(x) < 1 else { return x > 0 ? .infinity : -.infinity }
            return pow(a, -p) * pow(1 + x, -p) * expm1(2 * p * atanh(x))
        }

        public func slope(_ t: Double) -> Double {
            if depth == 2 { return scale * cosh(t) }
            return k * p * (pow(a - k * t, -p - 1) + pow(a + k * t, -p - 1))
        }

        /// +∞ outside |t| < a/k, where the flow cannot reach.
        public func potential(_ t: Double) -> Double {
            if depth == 2 { return scale * cosh(t) }
            guard abs(k * t) < a else { return .infinity }
            return (pow(a - k * t, 1 - p) + pow(a + k * t, 1 - p)) / (k * (p - 1))
        }
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
