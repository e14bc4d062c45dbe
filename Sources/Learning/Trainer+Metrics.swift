import LinearAlgebra

extension Trainer {
    /// Fills `values` (metrics × width) for every active column at the current
    /// iterate W, from the residuals of the last full evaluation. Reads the
    /// iterate, never changes it. One pass over W's rows with the columns
    /// innermost, one gemm with the test rows, one backward pass for an AR(1)
    /// population risk.
    func computeMetrics() {
        let count = active, width = self.width
        let values = self.values, w = self.w
        func row(_ index: Int) -> UnsafeMutablePointer<Double> { values + index * width }
        let objective = field(.objective), loss = field(.loss), errors = field(.errors)
        for k in 0..<count { row(layout.objective)[k] = objective[k] }
        if let index = layout.trainMSE { for k in 0..<count { row(index)[k] = 2 * loss[k] } }
        if let index = layout.trainLoss { for k in 0..<count { row(index)[k] = loss[k] } }
        if let index = layout.trainError { for k in 0..<count { row(index)[k] = errors[k] / Double(n) } }

        if testRows > 0 {
            if space == .rowSpace {
                predictTestInRowSpace()
            } else {
                BLAS.gemm(.none, .none, m: testRows, n: count, k: d, alpha: 1, a: xTest, lda: d,
                          b: w, ldb: count, beta: 0, c: pTest, ldc: count)
            }
            let first = row(layout.testMSE ?? layout.testLoss!)
            let second = layout.testError.map(row)
            for k in 0..<count {
                first[k] = 0
                second?[k] = 0
            }
            for i in 0..<testRows {
                let label = yTest[i], base = i * count
                if key.loss == .squared {
                    for k in 0..<count {
                        let residual = pTest[base + k] - label
                        first[k] += residual * residual
                    }
                } else {
                    for k in 0..<count {
                        let margin = label * pTest[base + k]
                        first[k] += softplus(-margin)
                        second![k] += margin <= 0 ? 1 : 0
                    }
                }
            }
            for k in 0..<count {
                first[k] /= Double(testRows)
                second?[k] /= Double(testRows)
            }
        }

        // Norms, distances and support counts: one pass over W.
        let l1 = row(layout.l1Norm), l2 = row(layout.l2Norm)
        let truth = problem.train.truth
        let distTruth = layout.distTruth.map(row)
        let predicted = layout.supportPrecision.map(row), hits = layout.supportRecall.map(row)
        let threshold = layout.supportThreshold ?? 0
        for k in 0..<count {
            l1[k] = 0
            l2[k] = 0
            distTruth?[k] = 0
            predicted?[k] = 0
            hits?[k] = 0
            for index in layout.references { row(index)[k] = 0 }
            for index in layout.perPointReferences { row(index)[k] = 0 }
        }
        for j in 0..<d {
            let base = j * count
            for k in 0..<count {
                let weight = w[base + k]
                l1[k] += abs(weight)
                l2[k] += weight * weight
            }
            if let truth, let distTruth {
                let target = truth[j]
                for k in 0..<count {
                    let difference = w[base + k] - target
                    distTruth[k] += difference * difference
                }
                if let predicted, let hits {
                    let inSupport: Double = target != 0 ? 1 : 0
                    for k in 0..<count where abs(w[base + k]) >= threshold {
                        predicted[k] += 1
                        hits[k] += inSupport
                    }
                }
            }
            for (r, index) in layout.references.enumerated() {
                let reference = row(index), target = problem.references[r].weights[j]
                for k in 0..<count {
                    let difference = w[base + k] - target
                    reference[k] += difference * difference
                }
            }
            if !layout.perPointReferences.isEmpty {
                let pointOf = field(.point)
                for (r, index) in layout.perPointReferences.enumerated() {
                    let reference = row(index)
                    problem.perPointReferences[r].weights.withUnsafeBufferPointer { solutions in
                        for k in 0..<count {
                            let difference = w[base + k] - solutions[Int(pointOf[k])][j]
                            reference[k] += difference * difference
                        }
                    }
                }
            }
        }
        for k in 0..<count {
            l2[k] = l2[k].squareRoot()
            distTruth?[k] = distTruth![k].squareRoot()
            for index in layout.references { row(index)[k] = row(index)[k].squareRoot() }
            for index in layout.perPointReferences { row(index)[k] = row(index)[k].squareRoot() }
        }
        if let predicted, let hits {
            let support = layout.supportSize
            for k in 0..<count {
                let found = hits[k]
                predicted[k] = predicted[k] > 0 ? found / predicted[k] : 0
                hits[k] = found / support
            }
        }

        // (w − w*)ᵀΣ(w − w*) + σ² for Σ_ij = ρ^|i−j|: with x = L·z (x₁ = z₁,
        // x_j = ρ·x_{j−1} + √(1−ρ²)·z_j), the quadratic form is ‖Lᵀδ‖², and
        // (Lᵀδ)_i = c_i·a_i with a_i = δ_i + ρ·a_{i+1} (backwards) and c₁ = 1,
        // c_i = √(1−ρ²) otherwise. ρ = 0 gives ‖δ‖².
        if let index = layout.populationRisk, let risk = layout.risk, let truth {
            let output = row(index)
            let rho = risk.rho, innovation = (1 - rho * rho).squareRoot()
            for k in 0..<count {
                carry[k] = 0
                output[k] = 0
            }
            for j in stride(from: d - 1, through: 0, by: -1) {
                let base = j * count, target = truth[j]
                let c = j == 0 ? 1 : innovation
                for k in 0..<count {
                    let a = (w[base + k] - target) + rho * carry[k]
                    carry[k] = a
                    output[k] += c * c * a * a
                }
            }
            for k in 0..<count { output[k] += risk.noise * risk.noise }
        }
    }
}
