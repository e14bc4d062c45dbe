import Datasets
import LinearAlgebra

/// Step sizes for gradient descent.
public enum StepSize {
    /// The largest eigenvalue of XᵀX/n. When the smaller side is at most
    /// `exactBelow`, exactly: the Gram matrix of that side (XXᵀ/n or XᵀX/n,
    /// which share their nonzero eigenvalues; n·d·min(n, d) flops) and LAPACK's
    /// dsyevr for its top eigenvalue alone. Power iteration, which needed up to
    /// 1,000 passes over X when the top two eigenvalues are close (as for
    /// isotropic data), is kept for larger data. ∞ when XᵀX overflows.
    public static func largestEigenvalue(of x: Matrix, exactBelow: Int = 2000) -> Double {
        let n = x.rows, d = x.columns
        guard n > 0, d > 0 else { return 0 }
        guard min(n, d) <= exactBelow else { return powerIteration(x) }
        var gram = n <= d ? BLAS.product(x, .none, x, .transpose) : BLAS.product(x, .transpose, x, .none)
        let scale = 1 / Double(n)
        for index in gram.storage.indices { gram.storage[index] *= scale }
        guard gram.storage.allSatisfy(\.isFinite) else { return .infinity }
        return (try? LAPACK.largestSymmetricEigenvalue(gram)) ?? powerIteration(x)
    }

    /// λ_max(XᵀX/n) by power iteration from a fixed start, to relative change
    /// `tolerance` (or `iterations` products). Two gemv per iteration; never
    /// forms XᵀX.
    public static func powerIteration(_ x: Matrix, iterations: Int = 1000, tolerance: Double = 1e-10) -> Double {
        let n = x.rows, d = x.columns
        guard n > 0, d > 0 else { return 0 }
        var stream = RandomStream(seed: 0).derived("power iteration")
        var v = (0..<d).map { _ in stream.nextGaussian() }
        BLAS.scal(1 / BLAS.nrm2(v), &v)
        var xv = [Double](repeating: 0, count: n)
        var next = [Double](repeating: 0, count: d)
        var estimate = 0.0
        for _ in 0..<iterations {
            BLAS.gemv(x, .none, v, into: &xv)
            BLAS.gemv(x, .transpose, xv, alpha: 1 / Double(n), into: &next)
            let value = BLAS.dot(v, next)  // Rayleigh quotient (‖v‖ = 1)
            let norm = BLAS.nrm2(next)
            // XᵀXv overflowed: the eigenvalue is beyond what a double holds.
            guard norm.isFinite, value.isFinite else { return .infinity }
            guard norm > 0 else { return 0 }
            for j in 0..<d { v[j] = next[j] / norm }
            if abs(value - estimate) <= tolerance * abs(value) { return value }
            estimate = value
        }
        return estimate
    }

    /// The automatic step size η = scale / L.
    ///
    /// L bounds the curvature of the objective in the model's parameters:
    /// L = κ(α)·(c·λ_max + λ₂) + λ_wd, where λ_max is the largest eigenvalue of
    /// XᵀX/n, c = 1 for the squared loss and 1/4 for the logistic loss (its second
    /// derivative is at most 1/4), λ₂ and λ_wd are the point's `l2` and
    /// `weight_decay`, and κ(α) is the parameterization's curvature factor at its
    /// initialization (`Parameterization.curvature`: 1 for linear, 4·max(α², 1)
    /// for squared, 2D²·max(α², 1)^{D−1} for diagonal). With scale 1, η = 1/L
    /// is half the largest stable step of gradient descent on a quadratic of
    /// curvature L.
    public static func auto(for spec: FitSpec, largestEigenvalue lambdaMax: Double) -> Double {
        let scale: Double
        switch spec.learningRate {
        case .fixed(let rate): return rate
        case .auto(let s): scale = s
        }
        let lossCurvature = spec.loss == .squared ? 1.0 : 0.25
        let kappa = spec.model.parameterization.curvature(scale: spec.initScale)
        let bound = kappa * (lossCurvature * lambdaMax + spec.penalty.l2) + spec.penalty.weightDecay
        // A curvature that overflowed gives no step size (NaN, refused by the trainer).
        guard bound.isFinite else { return .nan }
        return bound > 0 ? scale / bound : scale
    }
}
