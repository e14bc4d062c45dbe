import Datasets
import Foundation
import Learning
import LinearAlgebra
import Testing
import TestSupport

/// The linear model trained in the row space of X (d > n) takes the same
/// iterates as in the weights, up to rounding.
@Suite("row space")
struct RowSpaceTests {
    /// Trains `specs` twice, in the automatic space and in the weights, and
    /// returns both outputs with the space the automatic choice took.
    func both(_ problem: FitProblem, _ specs: [FitSpec]) throws -> (auto: BatchOutput, weights: BatchOutput, space: TrainingSpace) {
        let streams = specs.indices.map { RandomStream(seed: 4).derived("point \($0)") }
        let automatic = try Trainer(problem: problem, points: specs, initStreams: streams)
        let weights = try Trainer(problem: problem, points: specs, initStreams: streams, space: .weights)
        #expect(weights.space == .weights)
        return (automatic.run(), weights.run(), automatic.space)
    }

    /// The largest difference between two outputs' final weights, final
    /// metrics and every recorded metric, relative to the largest magnitude of each.
    func relativeDifference(_ a: BatchOutput, _ b: BatchOutput) -> Double {
        var worst = 0.0
        func compare(_ x: [Double], _ y: [Double]) {
            let scale = max(x.map(abs).max() ?? 0, 1e-300)
            for (u, v) in zip(x, y) where !(u.isNaN && v.isNaN) { worst = max(worst, abs(u - v) / scale) }
        }
        for (p, q) in zip(a.results, b.results) {
            #expect(p.steps == q.steps && p.stopReason == q.stopReason)
            compare(p.weights, q.weights)
            // Each metric relative to its largest value along the trajectory: a
            // training error that falls to 1e-20 differs in relative terms.
            for (metric, (u, v)) in zip(p.metrics, q.metrics).enumerated() {
                compare(p.trajectory[metric] + [u], q.trajectory[metric] + [v])
            }
        }
        return worst
    }

    @Test("squared loss from 0 and from Gaussian w₀, with l2 and weight decay: iterates and metrics within 1e-10 of the weights'")
    func squared() throws {
        let split = sparseProblem(n: 30, d: 120, k: 4, testRows: 20)
        let problem = FitProblem(split: split, references: [("min_l2", try MinimumNorm.solve(split.train.x, split.train.y))])
        let specs = [
            FitSpec(model: .linear, initScale: 0, learningRate: .fixed(0.05), stopping: Stopping(steps: 400), recordEvery: 20),
            FitSpec(model: .linear, initScale: 0.3, initShape: .gaussian, learningRate: .fixed(0.05), stopping: Stopping(steps: 400), recordEvery: 20),
            FitSpec(model: .linear, initScale: 0.3, initShape: .gaussian, penalty: Penalty(l2: 0.01, weightDecay: 0.02),
                    learningRate: .auto(scale: 1), stopping: Stopping(steps: 400), recordEvery: 20),
            FitSpec(model: .linear, initScale: 1, penalty: Penalty(l2: 0.1), learningRate: .fixed(0.02), stopping: Stopping(steps: 400), recordEvery: 20),
        ]
        let (auto, weights, space) = try both(problem, specs)
        #expect(space == .rowSpace)
        let difference = relativeDifference(auto, weights)
        #expect(difference < 1e-10, "largest relative difference \(difference)")
        // The trajectories moved: the comparison is not of two starting points.
        #expect(auto.results[0].metrics[0] < auto.results[0].trajectory[0][0] / 10)
    }

    @Test("logistic loss with l2 and stopping rules (tol, rtol, residual): the same steps, iterates within 1e-10")
    func logisticAndStops() throws {
        let split = sparseProblem(n: 25, d: 80, k: 3, testRows: 15)
        func signs(_ data: Dataset) -> Dataset {
            var copy = data
            copy.y = data.y.map { $0 >= 0 ? 1 : -1 }
            return copy
        }
        let logistic = FitProblem(train: signs(split.train), test: signs(split.test))
        let specs = [0.0, 1e-3, 1e-2].map {
            FitSpec(model: .linear, loss: .logistic, initScale: 0, penalty: Penalty(l2: $0), learningRate: .fixed(0.5), stopping: Stopping(steps: 300, rtol: 1e-7),
                    recordEvery: 10)
        }
        let (auto, weights, space) = try both(logistic, specs)
        #expect(space == .rowSpace)
        #expect(relativeDifference(auto, weights) < 1e-10)
        let squared = FitProblem(split: split)
        let stops = [
            FitSpec(model: .linear, initScale: 0, learningRate: .fixed(0.05), stopping: Stopping(steps: 5000, residualTol: 1e-6), recordEvery: 50),
            FitSpec(model: .linear, initScale: 0, penalty: Penalty(l2: 0.05), learningRate: .fixed(0.05), stopping: Stopping(steps: 5000, rtol: 1e-9), recordEvery: 50),
        ]
        let (a, b, s) = try both(squared, stops)
        #expect(s == .rowSpace)
        #expect(a.results.map(\.stopReason) == [.residual, .rtol])
        #expect(relativeDifference(a, b) < 1e-10)
    }

    @Test("the weights when d ≤ n, with l1, SGD or a nonlinear model; runs in the row space are bit-identical")
    func choice() throws {
        let wide = FitProblem(split: sparseProblem(n: 20, d: 60, k: 3, testRows: 5))
        let tall = FitProblem(split: sparseProblem(n: 60, d: 20, k: 3, testRows: 5))
        func space(_ problem: FitProblem, _ spec: FitSpec) throws -> TrainingSpace {
            try Trainer(problem: problem, points: [spec], initStreams: [RandomStream(seed: 1)]).space
        }
        let plain = FitSpec(model: .linear, initScale: 0, stopping: Stopping(steps: 10), recordEvery: 5)
        #expect(try space(wide, plain) == .rowSpace)
        #expect(try space(tall, plain) == .weights)
        #expect(try space(wide, FitSpec(model: .linear, initScale: 0, penalty: Penalty(l1: 0.01), stopping: Stopping(steps: 10), recordEvery: 5)) == .weights)
        #expect(try space(wide, FitSpec(model: .linear, initScale: 0, method: .sgd(batchSize: 5), stopping: Stopping(steps: 10), recordEvery: 5)) == .weights)
        #expect(try space(wide, FitSpec(model: .squared, initScale: 0.1, stopping: Stopping(steps: 10), recordEvery: 5)) == .weights)
        let first = try train(wide, [plain, FitSpec(model: .linear, initScale: 0.2, initShape: .gaussian, stopping: Stopping(steps: 10), recordEvery: 5)])
        let second = try train(wide, [plain, FitSpec(model: .linear, initScale: 0.2, initShape: .gaussian, stopping: Stopping(steps: 10), recordEvery: 5)])
        for (p, q) in zip(first.results, second.results) {
            #expect(bitIdentical(p.weights, q.weights) && bitIdentical(p.trajectory.flatMap { $0 }, q.trajectory.flatMap { $0 }))
        }
    }
}
