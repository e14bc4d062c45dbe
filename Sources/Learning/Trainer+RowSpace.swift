import LinearAlgebra

/// Where a trainer's iterates live.
///
/// Gradient descent on the linear model never leaves w₀ + row space of X: every
/// gradient Xᵀr/n + λw is a combination of X's rows and the current iterate.
/// With d > n a batch therefore trains n coordinates per point instead of d:
/// w = c·w₀ + XᵀB, where B (n × K) takes the steps B ← (1 − ηλ)·B − (η/n)·R and
/// the scalar c ← (1 − ηλ)·c carries the decay of w₀ (λ = l2 + weight_decay, the
/// same penalty on the linear model's w). The predictions are Xw = c·Xw₀ + K·B
/// with K = XXᵀ computed once, so a step costs 2n²·K flops instead of 4n·d·K,
/// and the objective's ‖w‖² = c²‖w₀‖² + 2c·⟨B, Xw₀⟩ + ⟨B, KB⟩ needs no w.
/// The test predictions are X_test·w = c·X_test·w₀ + (X_test·Xᵀ)·B, with
/// X_test·Xᵀ computed once (m × n). Every other metric is computed at records
/// and stops from w itself, formed then (XᵀB: 2n·d·K flops), so the
/// trajectories are the d-space ones up to rounding (tested to 1e-10 relative).
///
/// Chosen automatically for the linear model by full-batch GD without l1 when
/// d > n; SGD, l1's proximal step and the other parameterizations stay in the
/// weights. The run log says which batches train in the row space.
public enum TrainingSpace: Sendable, Equatable {
    case weights, rowSpace

    /// What a caller asks for: the automatic choice, or the weights always.
    public enum Request: Sendable {
        case automatic, weights
    }
}

extension Trainer {
    /// K = XXᵀ, B = 0, U₀ = X·W₀ and ‖w₀‖² per column; c = 1 (set at init).
    func prepareRowSpace() {
        BLAS.gemm(.none, .transpose, m: n, n: n, k: d, alpha: 1, a: x, lda: d, b: x, ldb: d, beta: 0, c: kernel, ldc: n)
        let count = active
        coordinates.update(repeating: 0, count: n * count)
        let squares = field(.startSquares)
        for k in 0..<count { squares[k] = 0 }
        startsAtZero = true
        for j in 0..<d {
            let w0 = theta0 + j * count
            for k in 0..<count where w0[k] != 0 {
                startsAtZero = false
                squares[k] += w0[k] * w0[k]
            }
        }
        if startsAtZero {
            startPredictions.update(repeating: 0, count: n * count)
        } else {
            BLAS.gemm(.none, .none, m: n, n: count, k: d, alpha: 1, a: x, lda: d, b: theta0, ldb: count, beta: 0,
                      c: startPredictions, ldc: count)
        }
        if testRows > 0 {
            BLAS.gemm(.none, .transpose, m: testRows, n: n, k: d, alpha: 1, a: xTest, lda: d, b: x, ldb: d, beta: 0,
                      c: testKernel, ldc: n)
            if !startsAtZero {
                BLAS.gemm(.none, .none, m: testRows, n: count, k: d, alpha: 1, a: xTest, lda: d, b: theta0, ldb: count,
                          beta: 0, c: testStart, ldc: count)
            }
        }
    }

    /// The test predictions X_test·w = c·X_test·w₀ + (X_test·Xᵀ)·B, without w:
    /// m·n per point instead of m·d.
    func predictTestInRowSpace() {
        let count = active
        if startsAtZero {
            BLAS.gemm(.none, .none, m: testRows, n: count, k: n, alpha: 1, a: testKernel, lda: n, b: coordinates, ldb: count,
                      beta: 0, c: pTest, ldc: count)
        } else {
            let scale = field(.startScale)
            for i in 0..<testRows {
                let base = i * count
                for k in 0..<count { pTest[base + k] = scale[k] * testStart[base + k] }
            }
            BLAS.gemm(.none, .none, m: testRows, n: count, k: n, alpha: 1, a: testKernel, lda: n, b: coordinates, ldb: count,
                      beta: 1, c: pTest, ldc: count)
        }
    }

    /// Q = K·B, then P = c·U₀ + Q: the predictions Xw on every training row.
    func predictInRowSpace() {
        let count = active
        BLAS.gemm(.none, .none, m: n, n: count, k: n, alpha: 1, a: kernel, lda: n, b: coordinates, ldb: count, beta: 0,
                  c: kernelProduct, ldc: count)
        let scale = field(.startScale)
        let p = self.p, q = kernelProduct, u0 = startPredictions
        if startsAtZero {
            p.update(from: q, count: n * count)
        } else {
            for i in 0..<n {
                let base = i * count
                for k in 0..<count { p[base + k] = scale[k] * u0[base + k] + q[base + k] }
            }
        }
    }

    /// B ← (1 − ηλ)·B − (η/n)·R and c ← (1 − ηλ)·c, from the loss derivatives R
    /// that `evaluateLoss` left in P.
    func updateInRowSpace() {
        let count = active
        let rate = field(.lr), l2 = field(.l2), decay = field(.weightDecay), scale = field(.startScale)
        let b = coordinates, r = p
        let inverseRows = 1 / Double(n)
        for i in 0..<n {
            let base = i * count
            for k in 0..<count {
                let shrink = 1 - rate[k] * (l2[k] + decay[k])
                b[base + k] = shrink * b[base + k] - rate[k] * inverseRows * r[base + k]
            }
        }
        for k in 0..<count { scale[k] *= 1 - rate[k] * (l2[k] + decay[k]) }
    }

    /// The objective loss + (λ₂ + λ_wd)/2·‖w‖² with ‖w‖² from K (θ = w for the
    /// linear model, and l1 is 0 in the row space).
    func updateObjectiveInRowSpace() {
        let count = active
        let squares = field(.sumSquares), parameters = field(.sumParameters)
        let scale = field(.startScale), startSquares = field(.startSquares)
        for k in 0..<count { squares[k] = 0 }
        let b = coordinates, q = kernelProduct, u0 = startPredictions
        for i in 0..<n {
            let base = i * count
            if startsAtZero {
                for k in 0..<count { squares[k] += b[base + k] * q[base + k] }
            } else {
                for k in 0..<count { squares[k] += b[base + k] * (q[base + k] + 2 * scale[k] * u0[base + k]) }
            }
        }
        let loss = field(.loss), objective = field(.objective), l2 = field(.l2), decay = field(.weightDecay)
        for k in 0..<count {
            squares[k] += scale[k] * scale[k] * startSquares[k]
            parameters[k] = squares[k]
            objective[k] = loss[k] + 0.5 * (l2[k] + decay[k]) * squares[k]
        }
    }

    /// W = c·W₀ + XᵀB, for the metrics and the final weights.
    func materializeWeights() {
        let count = active
        if startsAtZero {
            BLAS.gemm(.transpose, .none, m: d, n: count, k: n, alpha: 1, a: x, lda: d, b: coordinates, ldb: count, beta: 0,
                      c: w, ldc: count)
        } else {
            let scale = field(.startScale)
            for j in 0..<d {
                let base = j * count
                for k in 0..<count { w[base + k] = scale[k] * theta0[base + k] }
            }
            BLAS.gemm(.transpose, .none, m: d, n: count, k: n, alpha: 1, a: x, lda: d, b: coordinates, ldb: count, beta: 1,
                      c: w, ldc: count)
        }
        penaltiesCurrent = false
    }
}
