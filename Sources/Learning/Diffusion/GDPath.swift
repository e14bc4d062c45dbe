import Foundation
import LinearAlgebra

/// GD on a denoiser's objective in closed form (`DenoiserBatch`): the
/// objective, the training loss and the test loss at any step k, and the step
/// at which each stopping rule would stop it.
///
/// With Zᵢ(k) = Z*ᵢ + ρᵢᵏDᵢ and Yᵢ = R̃ᵢ/Λᵢ the least-squares coordinates, step
/// t's objective is J*ₜ + ½Σᵢ(βᵢρᵢᵏ + γᵢρᵢ²ᵏ) + ½(1 − η)²ᵏ‖ē‖², with
/// βᵢ = 2⟨Λᵢ(Z*ᵢ − Yᵢ) + λZ*ᵢ, Dᵢ⟩ (0 where Z* is the exact optimum) and
/// γᵢ = (Λᵢ + λ)‖Dᵢ‖²; its training loss is ‖ΦZ − E‖² written the same way
/// around the least-squares loss, measured directly — no difference of large
/// numbers, even where the denoiser interpolates.
struct GDPath {
    struct Step {
        var rho: [Double]
        /// Objective: ½Σ(βρᵏ + γρ²ᵏ) terms.
        var beta: [Double], gamma: [Double]
        /// Training loss ×d: Σ(a + 2bρᵏ + cρ²ᵏ) terms.
        var lossA: Double, lossB: [Double], lossC: [Double]
        var biasEnergy: Double
        var optimum: Double
        var leastSquares: Double
        var pixels: Int
    }

    let problems: [StepProblem]
    let solved: [StepProblem.Solved]
    let rate: Double
    let steps: [Step]

    init(problems: [StepProblem], solved: [StepProblem.Solved], rate: Double) {
        self.problems = problems
        self.solved = solved
        self.rate = rate
        steps = zip(problems, solved).map { problem, solution in
            let q = problem.features, d = problem.pixels, lambda = solution.lambda
            var rho = [Double](repeating: 1, count: q), beta = rho, gamma = rho, lossB = rho, lossC = rho
            var lossA = 0.0, optimum = 0.0
            for i in 0..<q {
                let value = problem.values[i]
                rho[i] = problem.factor(i, rate: rate, lambda: lambda)
                var zz = 0.0, zy = 0.0, dd = 0.0, gd = 0.0, yd = 0.0
                for j in 0..<d {
                    let z = solution.optimum[i, j], offset = solution.offset![i, j]
                    let y = value > problem.cutoff ? problem.projected[i, j] / value : 0
                    zz += z * z
                    zy += (z - y) * (z - y)
                    dd += offset * offset
                    gd += (value * (z - y) + lambda * z) * offset
                    yd += (z - y) * offset
                }
                optimum += value * zy + lambda * zz
                beta[i] = 2 * gd
                gamma[i] = (value + lambda) * dd
                lossA += value * zy
                lossB[i] = value * yd
                lossC[i] = value * dd
            }
            let energy = problem.targetMean.reduce(0) { $0 + $1 * $1 }
            return Step(rho: rho, beta: beta, gamma: gamma, lossA: lossA, lossB: lossB, lossC: lossC, biasEnergy: energy,
                        optimum: 0.5 * optimum + 0.5 * Double(d) * problem.leastSquaresLoss,
                        leastSquares: problem.leastSquaresLoss, pixels: d)
        }
    }

    /// The objective after k steps, summed over t.
    func objective(_ k: Int) -> Double {
        let power = Double(k)
        return steps.reduce(0) { total, step in
            var sum = step.optimum + 0.5 * pow(1 - rate, 2 * power) * step.biasEnergy
            for i in step.rho.indices {
                let r = pow(step.rho[i], power)
                sum += 0.5 * (step.beta[i] * r + step.gamma[i] * r * r)
            }
            return total + sum
        }
    }

    /// J(k) − J(k − 1), from the terms (not a difference of the two sums).
    func change(_ k: Int) -> Double {
        let before = Double(k - 1)
        return steps.reduce(0) { total, step in
            let b = pow(1 - rate, before)
            var sum = 0.5 * step.biasEnergy * b * b * ((1 - rate) * (1 - rate) - 1)
            for i in step.rho.indices {
                let rho = step.rho[i], r = pow(rho, before)
                sum += 0.5 * (step.beta[i] * r * (rho - 1) + step.gamma[i] * r * r * (rho * rho - 1))
            }
            return total + sum
        }
    }

    /// Step t's per-pixel training loss after k steps.
    func trainLoss(_ step: Step, _ k: Int) -> Double {
        let power = Double(k)
        var sum = step.lossA + pow(1 - rate, 2 * power) * step.biasEnergy
        for i in step.rho.indices {
            let r = pow(step.rho[i], power)
            sum += 2 * step.lossB[i] * r + step.lossC[i] * r * r
        }
        return sum / Double(step.pixels) + step.leastSquares
    }

    /// The values of `DenoiserBatch.metricNames` after k steps: the mean
    /// training (and test) loss over t, ‖W‖_F, and each step's losses.
    func recorded(at k: Int, test: Bool) -> [Double] {
        var train: [Double] = [], held: [Double] = [], norm = 0.0
        for (index, (problem, solution)) in zip(problems, solved).enumerated() {
            train.append(trainLoss(steps[index], k))
            let z = problem.rotated(solution, step: k, rate: rate)
            norm += z.storage.reduce(0) { $0 + $1 * $1 }
            if test { held.append(problem.testLoss(z: z, bias: problem.bias(step: k, rate: rate))) }
        }
        let count = Double(train.count)
        var values = [train.reduce(0, +) / count] + (test ? [held.reduce(0, +) / count] : []) + [norm.squareRoot(), objective(k)]
        for t in train.indices { values += [train[t]] + (test ? [held[t]] : []) }
        return values
    }

    /// Where the rules stop GD: the first step meeting tol or rtol, the first
    /// whose objective exceeds the divergence factor (or is not finite), else
    /// the budget. J is convex in k: it falls to its minimum k₀ and rises after.
    func stopping(_ rules: Stopping) -> (step: Int, reason: StopReason, converged: Double) {
        let budget = rules.steps
        // The first k in lo...hi where `holds` (monotone: false then true), or nil.
        func first(_ lo: Int, _ hi: Int, _ holds: (Int) -> Bool) -> Int? {
            guard lo <= hi, holds(hi) else { return nil }
            var (lo, hi) = (lo, hi)
            while lo < hi {
                let mid = lo + (hi - lo) / 2
                if holds(mid) { hi = mid } else { lo = mid + 1 }
            }
            return lo
        }
        let start = objective(0)
        // k₀: the first k whose next step does not lower J.
        let bottom = budget == 0 ? 0 : first(0, budget - 1) { k in !(change(k + 1) < 0) } ?? budget
        var stop: (step: Int, reason: StopReason)? = nil
        func consider(_ step: Int?, _ reason: StopReason) {
            guard let step, stop == nil || step < stop!.step else { return }
            stop = (step, reason)
        }
        let limit = start * rules.divergenceFactor
        consider(first(bottom, budget) { k in let j = objective(k); return !j.isFinite || j > limit }, .diverged)
        if let tol = rules.tol { consider(first(0, bottom) { objective($0) <= tol }, .tol) }
        if let rtol = rules.rtol, budget >= 1 {
            // Monotone on the way down (1 … k₀); the first step up, k₀ + 1, on its own.
            let holds = { (k: Int) in abs(change(k)) <= rtol * abs(objective(k - 1)) }
            let up = bottom + 1 <= budget && holds(bottom + 1) ? bottom + 1 : nil
            consider(first(1, min(budget, bottom), holds) ?? up, .rtol)
        }
        guard let stop else { return (budget, .steps, rules.tol == nil && rules.rtol == nil ? .nan : 0) }
        return (stop.step, stop.reason, stop.reason == .diverged ? 0 : 1)
    }
}
