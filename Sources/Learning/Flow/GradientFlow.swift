import Foundation
import LinearAlgebra

/// Gradient flow θ′ = −∇_θ L(φ(θ)) − λθ of one point, reduced to the row space
/// of X and integrated by `StiffIntegrator`.
///
/// The reduction. Every model regime trains is elementwise, wᵢ = φ(θᵢ), and the
/// loss reaches θ only through the weight gradient g = ∇_w L = Xᵀr/n, with r
/// the loss derivative at the predictions Xw (the residual Xw − y for the
/// squared loss). Each coordinate's ODE then integrates in closed form given
/// τ = Xᵀs for one s ∈ ℝⁿ, and the flow is the n-dimensional ODE
///
///     s′ = −κ(t)·r(X·w(t, Xᵀs))/n − μ·s,   s(0) = 0,
///
/// with, for weight decay λ on the parameters (and η-free, exact):
///
/// - linear, w₀ given, λ = l2 + weight_decay (the same penalty on w):
///   w = e^{−λt}·w₀ + τ, κ = 1, μ = λ.
/// - squared w = u², u₀ = α: u′ = −2u·g − λu gives u² = α²·e^{τ − 2λt}
///   with τ = −4G, G = ∫g: κ = 4, μ = 0.
/// - diagonal depth 2, u₀ = v₀ = α: u² = α²e^{τ−2λt}, v² = α²e^{−τ−2λt},
///   w = u² − v², κ = 4.
/// - diagonal depth D ≥ 3: z = u^{2−D} obeys z′ = D(D−2)·g + (D−2)λ·z, so
///   z = e^{(D−2)λt}·(a + k·G̃) with a = α^{2−D}, k = D(D−2) and
///   G̃ = ∫e^{−(D−2)λs}·g ds. With τ = −G̃: u = e^{−λt}(a − kτ)^{−1/(D−2)},
///   v = e^{−λt}(a + kτ)^{−1/(D−2)}, w = e^{−Dλt}·w_{D,α}(τ) with w_{D,α} the
///   map of the depth-D limit (`QAlpha.Map`), κ = e^{−(D−2)λt}, μ = 0.
///
/// The Jacobian of the right-hand side is −κ/n·diag(ℓ″(Xw))·X·diag(∂w/∂τ)·Xᵀ
/// − μI: one n × d × n product (dsyrk), symmetric negative semidefinite for
/// the squared loss. What has no such reduction is refused by `FitSpec.rules`:
/// l2 on w for the squared and diagonal models (its gradient λw leaves the row
/// space), a Gaussian initialization of them (u₀ ≠ v₀ per coordinate), l1.
///
/// At a point where (a − kτ) ≤ 0 the weights are infinite: the flow cannot
/// get there (it would take infinite time), the integrator's trial step did;
/// the right-hand side reports it and the step is retried smaller.
final class GradientFlow {
    enum Shape {
        case linear(start: [Double])
        case squared(alphaSquared: Double)
        case diagonal2(alphaSquared: Double)
        case deep(QAlpha.Map, depth: Int)
    }

    let shape: Shape
    let loss: LossKind
    /// λ: weight decay on the parameters (for linear, l2 + weight decay).
    let decay: Double
    let n: Int, d: Int
    let x: UnsafePointer<Double>, y: UnsafePointer<Double>

    /// What the points of a batch share, since they are integrated one at a
    /// time: X·diag(√slope) (n × d) and its Gram matrix (n × n) for the Jacobian.
    final class Scratch {
        let scaled: UnsafeMutablePointer<Double>
        let gram: UnsafeMutablePointer<Double>

        init(n: Int, d: Int) {
            scaled = .allocate(capacity: n * d)
            gram = .allocate(capacity: n * n)
        }

        deinit {
            scaled.deallocate()
            gram.deallocate()
        }
    }

    // Owned: τ, w, ∂w/∂τ (d); predictions, then loss derivatives (n).
    private let tau: UnsafeMutablePointer<Double>
    let weights: UnsafeMutablePointer<Double>
    private let slopes: UnsafeMutablePointer<Double>
    private let residual: UnsafeMutablePointer<Double>
    private let scratch: Scratch

    /// Gradient evaluations (right-hand sides and `evaluate` calls) and Jacobians.
    private(set) var evaluations = 0
    private(set) var jacobians = 0

    init(spec: FitSpec, start: [Double], x: UnsafePointer<Double>, y: UnsafePointer<Double>, n: Int, d: Int,
         scratch: Scratch) {
        self.loss = spec.loss
        self.n = n
        self.d = d
        self.x = x
        self.y = y
        let alpha = spec.initScale
        switch spec.model {
        case .linear:
            shape = .linear(start: start)
            decay = spec.penalty.l2 + spec.penalty.weightDecay
        case .squared:
            shape = .squared(alphaSquared: alpha * alpha)
            decay = spec.penalty.weightDecay
        case .diagonal(let depth):
            shape = depth == 2 ? .diagonal2(alphaSquared: alpha * alpha) : .deep(QAlpha.Map(alpha: alpha, depth: depth), depth: depth)
            decay = spec.penalty.weightDecay
        }
        tau = .allocate(capacity: d)
        weights = .allocate(capacity: d)
        slopes = .allocate(capacity: d)
        residual = .allocate(capacity: n)
        self.scratch = scratch
    }

    deinit {
        for buffer in [tau, weights, slopes, residual] { buffer.deallocate() }
    }

    /// κ(t) and μ of s′ = −κ·r/n − μ·s.
    private func rates(at t: Double) -> (kappa: Double, mu: Double) {
        switch shape {
        case .linear: return (1, decay)
        case .squared, .diagonal2: return (4, 0)
        case .deep(_, let depth): return (decay == 0 ? 1 : exp(-Double(depth - 2) * decay * t), 0)
        }
    }

    /// τ = Xᵀs, then w(t, τ) into `weights` (and ∂w/∂τ into `slopes` when asked);
    /// false when some weight is not finite.
    @discardableResult
    func weights(at t: Double, state s: UnsafePointer<Double>, slopes wanted: Bool = false) -> Bool {
        BLAS.gemv(.transpose, rows: n, columns: d, alpha: 1, a: x, lda: d, x: s, beta: 0, y: tau)
        var finite = true
        switch shape {
        case .linear(let start):
            let c = decay == 0 ? 1 : exp(-decay * t)
            for j in 0..<d { weights[j] = c * start[j] + tau[j] }
            if wanted { slopes.update(repeating: 1, count: d) }
        case .squared(let a2):
            let shift = 2 * decay * t
            for j in 0..<d {
                let value = a2 * exp(tau[j] - shift)
                weights[j] = value
                if wanted { slopes[j] = value }
                if !value.isFinite { finite = false }
            }
        case .diagonal2(let a2):
            let shift = 2 * decay * t
            for j in 0..<d {
                let plus = a2 * exp(tau[j] - shift), minus = a2 * exp(-tau[j] - shift)
                weights[j] = plus - minus
                if wanted { slopes[j] = plus + minus }
                if !(plus + minus).isFinite { finite = false }
            }
        case .deep(let map, let depth):
            let c = decay == 0 ? 1 : exp(-Double(depth) * decay * t)
            for j in 0..<d {
                let value = c * map.weight(tau[j])
                weights[j] = value
                if wanted { slopes[j] = c * map.slope(tau[j]) }
                if !value.isFinite { finite = false }
            }
        }
        return finite
    }

    /// The loss at w = `weights`, with r = its derivative in `residual`.
    private func lossAndDerivative() -> Double {
        BLAS.gemv(.none, rows: n, columns: d, alpha: 1, a: x, lda: d, x: weights, beta: 0, y: residual)
        var total = 0.0
        switch loss {
        case .squared:
            for i in 0..<n {
                let r = residual[i] - y[i]
                residual[i] = r
                total += r * r
            }
            return total / (2 * Double(n))
        case .logistic:
            for i in 0..<n {
                let margin = y[i] * residual[i]
                total += softplus(-margin)
                residual[i] = -y[i] / (1 + exp(margin))
            }
            return total / Double(n)
        }
    }

    /// s′ at (t, s).
    func derivative(at t: Double, state s: UnsafePointer<Double>, into f: UnsafeMutablePointer<Double>) -> Bool {
        evaluations += 1
        guard weights(at: t, state: s) else { return false }
        let loss = lossAndDerivative()
        guard loss.isFinite else { return false }
        let (kappa, mu) = rates(at: t)
        let scale = -kappa / Double(n)
        for i in 0..<n { f[i] = scale * residual[i] - mu * s[i] }
        return true
    }

    /// ∂s′/∂s at (t, s), column-major n × n.
    func jacobian(at t: Double, state s: UnsafePointer<Double>, into jacobian: UnsafeMutablePointer<Double>) -> Bool {
        jacobians += 1
        guard weights(at: t, state: s, slopes: true) else { return false }
        for j in 0..<d {
            let root = slopes[j].squareRoot()
            guard root.isFinite else { return false }
            slopes[j] = root
        }
        let scaled = scratch.scaled, gram = scratch.gram
        for i in 0..<n {
            let row = x + i * d, target = scaled + i * d
            for j in 0..<d { target[j] = row[j] * slopes[j] }
        }
        BLAS.syrk(.none, n: n, k: d, alpha: 1, a: scaled, lda: d, beta: 0, c: gram, ldc: n)
        // ℓ″ per row: 1 for the squared loss, σ(m)·σ(−m) for the logistic.
        if loss == .logistic {
            BLAS.gemv(.none, rows: n, columns: d, alpha: 1, a: x, lda: d, x: weights, beta: 0, y: residual)
            for i in 0..<n {
                let sigma = 1 / (1 + exp(-y[i] * residual[i]))
                residual[i] = sigma * (1 - sigma)
            }
        }
        let (kappa, mu) = rates(at: t)
        let scale = -kappa / Double(n)
        for column in 0..<n {
            for row in 0..<n {
                let entry = row <= column ? gram[row * n + column] : gram[column * n + row]
                let curvature = loss == .logistic ? residual[row] : 1
                jacobian[column * n + row] = scale * curvature * entry - (row == column ? mu : 0)
            }
        }
        return true
    }

    /// The weights and the loss at (t, s) — `weights` holds w afterwards.
    func evaluate(at t: Double, state s: UnsafePointer<Double>) -> Double {
        evaluations += 1
        guard weights(at: t, state: s) else { return .infinity }
        return lossAndDerivative()
    }

    /// The parameters (u, v) at (t, s) from τ as `weights` left it: θ for the
    /// linear model (v = 0), u for the squared one.
    func parameters(at t: Double, u: (Int, Double) -> Void, v: (Int, Double) -> Void) {
        switch shape {
        case .linear:
            for j in 0..<d { u(j, weights[j]) }
        case .squared(let a2):
            let alpha = a2.squareRoot(), shift = decay * t
            for j in 0..<d { u(j, alpha * exp(tau[j] / 2 - shift)) }
        case .diagonal2(let a2):
            let alpha = a2.squareRoot(), shift = decay * t
            for j in 0..<d {
                u(j, alpha * exp(tau[j] / 2 - shift))
                v(j, alpha * exp(-tau[j] / 2 - shift))
            }
        case .deep(let map, let depth):
            let c = exp(-decay * t), power = -1 / Double(depth - 2)
            for j in 0..<d {
                u(j, c * pow(map.a - map.k * tau[j], power))
                v(j, c * pow(map.a + map.k * tau[j], power))
            }
        }
    }

    /// ½·λ·‖θ‖² at (t, s) as `weights` left it (for linear, λ = l2 + decay on w).
    func penalty(at t: Double) -> Double {
        guard decay > 0 else { return 0 }
        var sum = 0.0
        parameters(at: t, u: { _, value in sum += value * value }, v: { _, value in sum += value * value })
        return 0.5 * decay * sum
    }
}
