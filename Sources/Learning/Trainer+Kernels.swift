import CKernels
import Datasets

#if canImport(Glibc)
import Glibc
#endif

/// The elementwise passes of a step. Each runs over rows with the columns
/// innermost (contiguous, with the per-column parameters indexed by column),
/// through local pointers, and is generic over the parameterization with every
/// loop-invariant choice (model, depth, proximal step) fixed at the call site,
/// so that the compiler specializes and vectorizes it.
extension Trainer {
    /// W = φ(θ), for the initial iterate.
    func forward() {
        dispatch(step: false, rows: 0..<d)
    }

    /// One gradient step on θ from G, then W = φ(θ), in the given rows of W
    /// (all of them by default).
    func update(rows: Range<Int>? = nil) {
        dispatch(step: true, rows: rows ?? 0..<d)
    }

    @inline(__always)
    private func dispatch(step: Bool, rows: Range<Int>) {
        if kernels == .compiled, dispatchCompiled(step: step, rows: rows) {
            penaltiesCurrent = false
            return
        }
        var proximal = false
        if step {
            let l1 = field(.l1)
            for k in 0..<active where l1[k] > 0 { proximal = true }
        }
        switch (model, proximal) {
        case (.linear, false): kernel(Linear(), step: step, proximal: false, rows: rows)
        case (.linear, true): kernel(Linear(), step: step, proximal: true, rows: rows)
        case (.squared, _): kernel(Squared(), step: step, proximal: false, rows: rows)
        // Depths written out so the power in Diagonal folds to multiplications.
        case (.diagonal(2), _): kernel(Diagonal(depth: 2), step: step, proximal: false, rows: rows)
        case (.diagonal(3), _): kernel(Diagonal(depth: 3), step: step, proximal: false, rows: rows)
        case (.diagonal(let depth), _): kernel(Diagonal(depth: depth), step: step, proximal: false, rows: rows)
        }
        penaltiesCurrent = false
    }

    /// The squared and diagonal models' update by CKernels (the same
    /// operations as `kernel`, compiled for AVX-512 and AVX2 as well); false
    /// for the models it does not cover.
    private func dispatchCompiled(step: Bool, rows: Range<Int>) -> Bool {
        let rate = field(.lr), l2 = field(.l2), decay = field(.weightDecay)
        let offset = rows.lowerBound * active
        switch model {
        case .squared:
            regime_squared_update(step ? 1 : 0, rows.count, active, theta0 + offset, w + offset, g + offset, rate, l2, decay)
            return true
        case .diagonal(let depth):
            regime_diagonal_update(depth, step ? 1 : 0, rows.count, active, theta0 + offset, theta1 + offset, w + offset,
                                   g + offset, rate, l2, decay)
            return true
        case .linear:
            return false
        }
    }

    /// The fused update: g = G + λ₂·w; θ ← θ − η·(J_φ(θ)ᵀg + λ_wd·θ), then the
    /// proximal step of λ₁‖w‖₁ (linear only); w = φ(θ). With `step` false it only
    /// recomputes w.
    @inline(__always)
    private func kernel<M: Parameterization>(_ model: M, step: Bool, proximal: Bool, rows: Range<Int>) {
        let count = active
        let rate = field(.lr), l2 = field(.l2), decay = field(.weightDecay), l1 = field(.l1)
        let twoBlocks = model.blockCount == 2
        for j in rows {
            let u = theta0 + j * count, v = theta1 + j * count, w = self.w + j * count, g = self.g + j * count
            for k in 0..<count {
                var parameter = CoordinateParameters(u[k], twoBlocks ? v[k] : 0)
                if step {
                    let gradient = g[k] + l2[k] * w[k]
                    let pulled = model.pullback(gradient, parameter)
                    parameter.u -= rate[k] * (pulled.u + decay[k] * parameter.u)
                    if twoBlocks { parameter.v -= rate[k] * (pulled.v + decay[k] * parameter.v) }
                    if proximal {
                        let threshold = rate[k] * l1[k], value = parameter.u
                        parameter.u = value > threshold ? value - threshold : (value < -threshold ? value + threshold : 0)
                    }
                    u[k] = parameter.u
                    if twoBlocks { v[k] = parameter.v }
                }
                w[k] = model.weight(parameter)
            }
        }
    }

    /// The sums ‖w‖², ‖w‖₁ and ‖θ‖² per column and, from them and the loss, the
    /// objective: loss + λ₂/2·‖w‖² + λ_wd/2·‖θ‖² + λ₁·‖w‖₁. A separate pass, run
    /// only when an objective is needed (records, tol and rtol rules, stops).
    func updateObjective() {
        if space == .rowSpace {
            updateObjectiveInRowSpace()
            return
        }
        let count = active
        let squares = field(.sumSquares), absolute = field(.sumAbs), parameters = field(.sumParameters)
        if !penaltiesCurrent {
            for k in 0..<count {
                squares[k] = 0
                absolute[k] = 0
                parameters[k] = 0
            }
            for j in 0..<d {
                let u = theta0 + j * count, v = theta1 + j * count, w = self.w + j * count
                for k in 0..<count {
                    squares[k] += w[k] * w[k]
                    absolute[k] += abs(w[k])
                    parameters[k] += u[k] * u[k] + v[k] * v[k]
                }
            }
            penaltiesCurrent = true
        }
        let loss = field(.loss), objective = field(.objective)
        let l2 = field(.l2), decay = field(.weightDecay), l1 = field(.l1)
        for k in 0..<count {
            objective[k] = loss[k] + 0.5 * l2[k] * squares[k] + 0.5 * decay[k] * parameters[k] + l1[k] * absolute[k]
        }
    }

    /// Turns the predictions P (rows × active) into loss derivatives in place —
    /// the residual Xw − y for the squared loss, −y·σ(−y·m) for the logistic —
    /// and sets each column's loss and (logistic) error count.
    func evaluateLoss(rows: Int, labels: UnsafePointer<Double>) {
        let count = active
        let loss = field(.loss), errors = field(.errors)
        for k in 0..<count {
            loss[k] = 0
            errors[k] = 0
        }
        switch key.loss {
        case .squared:
            for i in 0..<rows {
                let label = labels[i], p = self.p + i * count
                for k in 0..<count {
                    let residual = p[k] - label
                    p[k] = residual
                    loss[k] += residual * residual
                }
            }
            let scale = 1 / (2 * Double(rows))
            for k in 0..<count { loss[k] *= scale }
        case .logistic:
            for i in 0..<rows {
                let label = labels[i], p = self.p + i * count
                for k in 0..<count {
                    let margin = label * p[k]
                    loss[k] += softplus(-margin)
                    errors[k] += margin <= 0 ? 1 : 0
                    p[k] = -label / (1 + exp(margin))
                }
            }
            let scale = 1 / Double(rows)
            for k in 0..<count { loss[k] *= scale }
        }
    }
}

/// log(1 + eˣ) without overflow.
@inline(__always) func softplus(_ x: Double) -> Double {
    x > 0 ? x + log1p(exp(-x)) : log1p(exp(x))
}
