import Datasets
import Foundation
import Learning
import LinearAlgebra
import Testing
import TestSupport

@Suite("batched trainer")
struct TrainerTests {
    let split = sparseProblem(n: 40, d: 60, k: 5, testRows: 25)

    /// A mixed batch: different α, λ, step sizes, stopping rules and budgets.
    var mixedBatch: [FitSpec] {
        [
            FitSpec(model: .diagonal(depth: 2), initScale: 0.1, stopping: Stopping(steps: 3000), recordEvery: 100),
            FitSpec(model: .diagonal(depth: 2), initScale: 1, penalty: Penalty(l2: 1e-3), stopping: Stopping(steps: 2000), recordEvery: 100),
            FitSpec(model: .diagonal(depth: 2), initScale: 0.5, penalty: Penalty(weightDecay: 1e-2),
                    learningRate: .auto(scale: 0.5), stopping: Stopping(steps: 3000, residualTol: 1e-3), recordEvery: 100),
            FitSpec(model: .diagonal(depth: 2), initScale: 0.3, initShape: .gaussian, stopping: Stopping(steps: 1234, rtol: 1e-9),
                    recordEvery: 100),
        ]
    }

    @Test("a batch of K points agrees with K single-point runs to 1e-12, and runs are bit-identical")
    func batchMatchesSingles() throws {
        let problem = FitProblem(split: split)
        let batch = try train(problem, mixedBatch)
        for (index, spec) in mixedBatch.enumerated() {
            let streams = [RandomStream(seed: 1).derived("point \(index)")]
            let single = try Trainer(problem: problem, points: [spec], initStreams: streams).run()
            #expect(relativeDistance(batch.results[index].weights, single.results[0].weights) < 1e-12)
            #expect(batch.results[index].steps == single.results[0].steps)
            for (a, b) in zip(batch.results[index].metrics, single.results[0].metrics) {
                #expect(abs(a - b) <= 1e-12 * max(abs(b), 1e-300))
            }
        }
        let again = try train(problem, mixedBatch)
        for (a, b) in zip(batch.results, again.results) {
            #expect(bitIdentical(a.weights, b.weights))
            #expect(bitIdentical(a.metrics, b.metrics))
            #expect(zip(a.trajectory, b.trajectory).allSatisfy { bitIdentical($0, $1) })
        }
    }

    @Test("a diverging step size stops that point as diverged at a recorded step; the others are exactly as without it")
    func divergence() throws {
        let problem = FitProblem(split: split)
        var specs = mixedBatch
        specs[1].learningRate = .fixed(50)
        let diverging = try train(problem, specs)
        let bad = diverging.results[1]
        #expect(bad.status == .diverged)
        #expect(bad.stopReason == .diverged)
        #expect(bad.steps > 0 && bad.steps < 2000)
        // Its trajectory is recorded up to the divergence and NaN after.
        let objective = try #require(diverging.trajectory("objective", point: 1))
        let lastRecord = bad.steps / 100
        #expect(objective[..<lastRecord].allSatisfy { $0.isFinite })
        #expect(objective[(lastRecord + 1)...].allSatisfy { $0.isNaN })
        // The other points: bit for bit as in a batch where point 1 behaves.
        let calm = try train(problem, mixedBatch)
        for index in [0, 2, 3] {
            #expect(bitIdentical(diverging.results[index].weights, calm.results[index].weights))
            #expect(bitIdentical(diverging.results[index].metrics, calm.results[index].metrics))
            #expect(diverging.results[index].weights.allSatisfy { $0.isFinite })
        }
    }

    @Test("trajectories: recorded on the step grid, the final record equals the final metrics, NaN after a stop")
    func trajectories() throws {
        let output = try train(FitProblem(split: split), mixedBatch)
        #expect(output.recordedSteps == Array(stride(from: 0, through: 3000, by: 100)))
        let fixed = output.results[0]
        #expect(fixed.steps == 3000 && fixed.stopReason == .steps)
        for (metric, values) in fixed.trajectory.enumerated() {
            #expect(values.count == 31)
            #expect(values.last == fixed.metrics[metric], "\(output.metricNames[metric])")
        }
        let short = output.results[1]
        #expect(short.steps == 2000)
        #expect(short.trajectory[0][20] == short.metrics[0])
        #expect(short.trajectory[0][21...].allSatisfy { $0.isNaN })
        let mse = try #require(output.trajectory("train_mse", point: 0))
        #expect(mse.first! > mse.last!, "training error falls")
    }

    @Test("final metrics equal their definitions computed directly from the weights")
    func metrics() throws {
        var data = Dataset.synthesize(SynthesisSpec(rows: 70, features: 30, correlation: 0.4, truth: .sparse(k: 4, value: 2, randomSigns: true), noise: 0.3),
                                      stream: RandomStream(seed: 9).derived("data"))
        let split = data.split(testCount: 20, stream: RandomStream(seed: 9).derived("split"))
        data = split.train
        let reference = try MinimumNorm.solve(data.x, data.y)
        let problem = FitProblem(split: split, references: [("min_l2", reference)])
        let spec = FitSpec(model: .linear, initScale: 0, penalty: Penalty(l2: 0.05), stopping: Stopping(steps: 500))
        let output = try train(problem, [spec])
        #expect(output.metricNames == ["objective", "train_mse", "test_mse", "l1_norm", "l2_norm", "dist_truth",
                                       "population_risk", "dist_min_l2", "support_precision", "support_recall"])
        let w = output.results[0].weights
        func value(_ name: String) -> Double { output.metric(name, point: 0)! }
        func mse(_ d: Dataset) -> Double {
            let residual = zip(BLAS.product(d.x, .none, w), d.y).map { $0 - $1 }
            return residual.map { $0 * $0 }.reduce(0, +) / Double(d.rows)
        }
        let truth = data.truth!
        let delta = zip(w, truth).map { $0 - $1 }
        #expect(abs(value("train_mse") - mse(split.train)) < 1e-12 * mse(split.train))
        #expect(abs(value("test_mse") - mse(split.test)) < 1e-12 * mse(split.test))
        #expect(abs(value("objective") - (mse(split.train) / 2 + 0.025 * BLAS.dot(w, w))) < 1e-12)
        #expect(abs(value("l1_norm") - BLAS.asum(w)) < 1e-12 * BLAS.asum(w))
        #expect(abs(value("l2_norm") - BLAS.nrm2(w)) < 1e-12 * BLAS.nrm2(w))
        #expect(abs(value("dist_truth") - BLAS.nrm2(delta)) < 1e-12 * BLAS.nrm2(delta))
        #expect(abs(value("dist_min_l2") - relativeDistance(w, reference) * BLAS.nrm2(reference)) < 1e-10)
        // Population risk: δᵀΣδ + σ² with Σ_ij = 0.4^|i−j| formed explicitly.
        var quadratic = 0.0
        for i in 0..<30 { for j in 0..<30 { quadratic += delta[i] * delta[j] * pow(0.4, Double(abs(i - j))) } }
        #expect(abs(value("population_risk") - (quadratic + 0.09)) < 1e-12 * (quadratic + 0.09))
        // Support at τ = 0.1·2 = 0.2.
        let predicted = Set(w.indices.filter { abs(w[$0]) >= 0.2 }), actual = Set(truth.indices.filter { truth[$0] != 0 })
        #expect(value("support_precision") == Double(predicted.intersection(actual).count) / Double(predicted.count))
        #expect(value("support_recall") == Double(predicted.intersection(actual).count) / 4)
    }

    @Test("SGD: seeded minibatch order, bit-identical reruns, and the minimum-norm limit on interpolation problems")
    func sgd() throws {
        let data = sparseProblem(n: 24, d: 50, k: 3).train
        let spec = FitSpec(model: .linear, initScale: 0, method: .sgd(batchSize: 5), learningRate: .auto(scale: 0.5),
                           stopping: Stopping(steps: 100_000, residualTol: 1e-11), recordEvery: 50)
        let first = try train(FitProblem(train: data), [spec])
        let second = try train(FitProblem(train: data), [spec])
        #expect(bitIdentical(first.results[0].weights, second.results[0].weights))
        #expect(first.results[0].stopReason == .residual)
        #expect(first.results[0].steps % 50 == 0, "SGD checks its stopping rules when it evaluates")
        // SGD's iterates stay in the row space of X, so it too finds the minimum-norm interpolant.
        #expect(relativeDistance(first.results[0].weights, try MinimumNorm.solve(data.x, data.y)) < 1e-8)
        let reordered = try train(FitProblem(train: data), [spec], seed: 2)
        #expect(!bitIdentical(reordered.results[0].weights, first.results[0].weights), "another order, another path")
    }

    @Test("lr: auto uses λ_max(XᵀX/n) (from the smaller Gram matrix, or power iteration) and the documented curvature rule")
    func autoStepSize() throws {
        let x = split.train.x
        var gram = BLAS.product(x, .transpose, x, .none)
        for index in gram.storage.indices { gram.storage[index] /= Double(x.rows) }
        let exact = try LAPACK.symmetricEigen(gram).values.last!
        let estimate = StepSize.largestEigenvalue(of: x)
        #expect(abs(estimate - exact) < 1e-12 * exact)
        #expect(abs(StepSize.largestEigenvalue(of: x, exactBelow: 0) - exact) < 1e-8 * exact)
        #expect(abs(StepSize.powerIteration(x) - exact) < 1e-8 * exact)
        // Wide data: the eigenvalue of XXᵀ/n, the same nonzero spectrum.
        let wide = Matrix(rows: 3, columns: 5, storage: (0..<15).map { Double(($0 * 7) % 11) - 5 })
        let wideGram = BLAS.product(wide, .transpose, wide, .none)
        #expect(abs(StepSize.largestEigenvalue(of: wide) - (try LAPACK.symmetricEigen(wideGram).values.last!) / 3) < 1e-12 * 50)
        let diagonal = FitSpec(model: .diagonal(depth: 3), initScale: 2, penalty: Penalty(l2: 0.1, weightDecay: 0.2),
                               learningRate: .auto(scale: 0.5), stopping: Stopping(steps: 1))
        // κ = 2·D²·max(α², 1)^{D−1} = 2·9·16 = 288.
        #expect(StepSize.auto(for: diagonal, largestEigenvalue: exact) == 0.5 / (288 * (exact + 0.1) + 0.2))
        let logistic = FitSpec(model: .linear, loss: .logistic, initScale: 0, stopping: Stopping(steps: 1))
        #expect(StepSize.auto(for: logistic, largestEigenvalue: exact) == 1 / (0.25 * exact))
        let output = try train(FitProblem(split: split), [diagonal])
        #expect(output.results[0].learningRate == 0.5 / (288 * (estimate + 0.1) + 0.2))
    }

    @Test("the logistic loss is evaluated without overflow")
    func softplusStability() throws {
        let data = Dataset(x: Matrix([[1000], [-1000], [1e-3]]), y: [1, 1, -1])
        let spec = FitSpec(model: .linear, loss: .logistic, initScale: 1, stopping: Stopping(steps: 0))
        let output = try train(FitProblem(train: data), [spec])
        // Margins 1000, −1000, −0.001: losses log(1+e⁻¹⁰⁰⁰) ≈ 0, 1000, log(1+e^0.001).
        let expected = (0 + 1000 + log1p(exp(0.001))) / 3
        #expect(abs(output.metric("train_loss", point: 0)! - expected) < 1e-12 * expected)
        #expect(output.metric("train_error", point: 0)! == 2.0 / 3)
    }

    @Test("points that cannot train, or cannot share a batch, are refused with a reason")
    func validation() {
        let problem = FitProblem(split: split)
        let good = FitSpec(model: .linear, initScale: 0, stopping: Stopping(steps: 10))
        var squared = good
        squared.model = .squared
        #expect(throws: LearningError.self) { try train(problem, [good, squared]) }
        let zeroInit = #expect(throws: LearningError.self) { try train(problem, [squared]) }
        #expect(zeroInit?.description == "point 0: init_scale must be positive for the squared model: from α = 0 its gradient is zero")
        var logistic = good
        logistic.loss = .logistic
        let labels = #expect(throws: LearningError.self) { try train(problem, [logistic]) }
        #expect(labels?.description.hasPrefix("the logistic loss needs labels −1 or +1; training row 0 has") == true)
        var l1 = squared
        l1.initScale = 1
        l1.penalty.l1 = 0.1
        #expect(throws: LearningError.self) { try train(problem, [l1]) }
    }

    @Test("data whose curvature overflows gets an error, not a step size of 0 that trains nothing")
    func overflowingStepSize() throws {
        var huge = split
        huge.train.x.storage = huge.train.x.storage.map { $0 * 1e200 }
        let spec = FitSpec(model: .linear, initScale: 0, stopping: Stopping(steps: 10))
        let error = #expect(throws: LearningError.self) { try train(FitProblem(train: huge.train), [spec]) }
        let message = error?.message ?? ""
        #expect(message.hasPrefix("point 0: the automatic step size is nan (the largest eigenvalue of XᵀX/n is "), "\(message)")
        #expect(message.hasSuffix("standardize the data, or give optimizer.lr"))
    }
}
