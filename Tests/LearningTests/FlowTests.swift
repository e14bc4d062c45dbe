import Datasets
import Foundation
import Learning
import LinearAlgebra
import Testing
import TestSupport

/// Gradient flow (`optimizer: {method: flow}`): its limits against the closed
/// forms and the implicit-bias references, its path against GD at shrinking
/// steps and against SciPy's Radau integration of the (u, v) ODE.
@Suite("gradient flow")
struct FlowTests {
    static let flow = OptimizerMethod.flow(FlowTolerance())

    static func spec(_ model: ModelKind, alpha: Double, loss: LossKind = .squared, decay: Double = 0,
                     residual: Double? = 1e-13, tMax: Double = 1e16, steps: Int = 100, every: Int = 0) -> FitSpec {
        FitSpec(model: model, loss: loss, initScale: alpha, penalty: Penalty(weightDecay: decay), method: flow,
                stopping: Stopping(steps: steps, residualTol: residual, timeBudget: tMax), recordEvery: every)
    }

    @Test("linear from 0 reaches min_l2 to 1e-10")
    func linearLimit() throws {
        let split = sparseProblem(n: 20, d: 50, k: 3)
        let output = try train(FitProblem(train: split.train), [Self.spec(.linear, alpha: 0)])
        let result = output.results[0]
        print(result.status, result.stopReason, result.steps, result.time, result.evaluations, result.jacobians)
        #expect(result.stopReason == .residual)
        #expect(relativeDistance(result.weights, try MinimumNorm.solveDual(split.train.x, split.train.y)) < 1e-10)
    }

    @Test("diagonal depth 2 reaches q_alpha to 1e-8, depths 3 and 4 the depth-D limit to 1e-7, across α ∈ {0.01, 0.1, 1, 10}")
    func diagonalLimits() throws {
        let split = sparseProblem(n: 20, d: 50, k: 3)
        let x = split.train.x, y = split.train.y
        for depth in [2, 3, 4] {
            let alphas = [0.01, 0.1, 1, 10]
            let output = try train(FitProblem(train: split.train), alphas.map { Self.spec(.diagonal(depth: depth), alpha: $0, residual: 1e-11) })
            for (index, alpha) in alphas.enumerated() {
                let result = output.results[index]
                print(depth, alpha, relativeDistance(result.weights, try QAlpha.solve(x, y, alpha: alpha, depth: depth)), result.status, result.stopReason, result.steps, result.time, result.evaluations, result.jacobians, result.seconds)
                let reference = try QAlpha.solve(x, y, alpha: alpha, depth: depth)
                #expect(result.stopReason == .residual, "depth \(depth), α = \(alpha)")
                #expect(relativeDistance(result.weights, reference) < (depth == 2 ? 1e-8 : 1e-7), "depth \(depth), α = \(alpha): \(relativeDistance(result.weights, reference))")
            }
        }
    }
}
