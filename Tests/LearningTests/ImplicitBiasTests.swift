import Datasets
import Learning
import LinearAlgebra
import Testing
import TestSupport

/// What gradient descent converges to, checked against closed forms, LP and
/// scikit-learn solutions.
@Suite("implicit bias and explicit penalties")
struct ImplicitBiasTests {
    @Test("linear GD from 0 with d > n reaches Xᵀ(XXᵀ)⁻¹y; from w₀ ≠ 0 it reaches w₀ + X⁺(y − Xw₀)")
    func linearMinimumNorm() throws {
        let split = sparseProblem(n: 30, d: 80, k: 4)
        let x = split.train.x, y = split.train.y
        let stop = Stopping(steps: 200_000, residualTol: 1e-13)
        let fromZero = FitSpec(model: .linear, initScale: 0, stopping: stop)
        let fromStart = FitSpec(model: .linear, initScale: 0.5, initShape: .gaussian, stopping: stop)
        let output = try train(FitProblem(train: split.train), [fromZero, fromStart])
        #expect(output.results.allSatisfy { $0.status == .ok && $0.stopReason == .residual })
        #expect(relativeDistance(output.results[0].weights, try MinimumNorm.solveDual(x, y)) < 1e-8)
        // w₀ as the documented initialization draws it: α·z, z from the point's stream.
        var stream = RandomStream(seed: 1).derived("point 1")
        let start = (0..<80).map { _ in 0.5 * stream.nextGaussian() }
        #expect(relativeDistance(output.results[1].weights, try MinimumNorm.solve(x, y, from: start)) < 1e-8)
        #expect(relativeDistance(output.results[1].weights, try MinimumNorm.solve(x, y)) > 0.1)
    }

    @Test("linear GD with l2: λ reaches the ridge solution, on wide synthetic and on the diabetes data")
    func linearRidge() throws {
        let (raw, _) = try Dataset.loadCSV(path: Paths.repository("data/diabetes.csv").path, target: "y")
        let diabetes = try Standardization(fitting: raw).apply(to: raw)
        let wide = sparseProblem(n: 30, d: 80, k: 4).train
        for (data, lambdas) in [(diabetes, [0.01, 0.1, 1.0]), (wide, [0.001, 0.1])] {
            let specs = lambdas.map {
                FitSpec(model: .linear, initScale: 0, penalty: Penalty(l2: $0), stopping: Stopping(steps: 60_000))
            }
            let output = try train(FitProblem(train: data), specs)
            for (index, lambda) in lambdas.enumerated() {
                let closed = try Ridge.solve(data.x, data.y, lambda: lambda)
                #expect(relativeDistance(output.results[index].weights, closed) < 1e-8, "λ = \(lambda), d = \(data.features)")
            }
        }
    }

    @Test("diagonal depth 2 (Woodworth et al. 2020): α = 10 gives min_l2, α ∈ {0.1, 1} gives q_α, α = 0.01 approaches min_l1")
    func kernelToRich() throws {
        let split = sparseProblem(n: 40, d: 100, k: 5)
        let x = split.train.x, y = split.train.y
        // λ_max(XᵀX/n) independently of the trainer's own computation.
        var gram = BLAS.product(x, .transpose, x, .none)
        for index in gram.storage.indices { gram.storage[index] /= 40 }
        let lambdaMax = try LAPACK.symmetricEigen(gram).values.last!
        let alphas = [10, 1, 0.1, 0.01]
        let specs = alphas.map { alpha in
            FitSpec(model: .diagonal(depth: 2), initScale: alpha,
                    learningRate: .fixed(0.1 / (4 * max(alpha * alpha, 1) * lambdaMax)),
                    stopping: Stopping(steps: 5_000_000, residualTol: 1e-8))
        }
        let output = try train(FitProblem(train: split.train), specs)
        #expect(output.results.allSatisfy { $0.stopReason == .residual })
        let w = output.results.map(\.weights)
        #expect(relativeDistance(w[0], try MinimumNorm.solve(x, y)) < 1e-5)
        #expect(relativeDistance(w[1], try QAlpha.solve(x, y, alpha: 1)) < 2e-3)
        #expect(relativeDistance(w[2], try QAlpha.solve(x, y, alpha: 0.1)) < 2e-3)
        #expect(relativeDistance(w[3], try BasisPursuit.solve(x, y)) < 0.07)
        // And the transition itself: away from min_l2, towards min_l1, as α shrinks.
        let l1 = try BasisPursuit.solve(x, y)
        let distances = w.map { relativeDistance($0, l1) }
        #expect(distances == distances.sorted(by: >))
    }

    @Test("diagonal depth 3: gradient descent with a small step from α·1 ends at the depth-3 limit, not depth 2's")
    func depthThree() throws {
        let split = sparseProblem(n: 20, d: 50, k: 3)
        let x = split.train.x, y = split.train.y
        let alphas = [1.0, 0.3]
        let specs = alphas.map { alpha in
            FitSpec(model: .diagonal(depth: 3), initScale: alpha, learningRate: .auto(scale: 0.2),
                    stopping: Stopping(steps: 2_000_000, residualTol: 1e-9))
        }
        let output = try train(FitProblem(train: split.train), specs)
        #expect(output.results.allSatisfy { $0.stopReason == .residual })
        for (alpha, result) in zip(alphas, output.results) {
            let depth3 = try QAlpha.solve(x, y, alpha: alpha, depth: 3), depth2 = try QAlpha.solve(x, y, alpha: alpha)
            let distance = relativeDistance(result.weights, depth3)
            // A finite step leaves an O(η) gap from the flow's limit; depth 2's limit is much farther.
            #expect(distance < 5e-3, "α = \(alpha): \(distance)")
            #expect(relativeDistance(result.weights, depth2) > 10 * distance, "α = \(alpha)")
        }
    }

    @Test("squared model with weight decay λ is the nonnegative lasso with penalty λ/2 (since ‖u‖² = ‖u∘u‖₁)")
    func squaredWeightDecay() throws {
        let data = Dataset.synthesize(SynthesisSpec(rows: 100, features: 20, truth: .sparse(k: 6, value: 1, randomSigns: true), noise: 0.5),
                                      stream: RandomStream(seed: 5).derived("data"))
        let lambdas = [0.02, 0.2]
        let specs = lambdas.map {
            FitSpec(model: .squared, initScale: 0.1, penalty: Penalty(weightDecay: $0), stopping: Stopping(steps: 400_000, rtol: 1e-15))
        }
        let output = try train(FitProblem(train: data), specs)
        let reference = try pythonReference("lasso", x: data.x, y: data.y, lambdas: lambdas.map { $0 / 2 },
                                            read: ["w_positive"])["w_positive"]!
        for index in lambdas.indices {
            let expected = Array(reference[(index * 20)..<((index + 1) * 20)])
            #expect(maxAbsoluteDifference(output.results[index].weights, expected) < 1e-6, "λ = \(lambdas[index])")
        }
    }

    @Test("diagonal depth 2 with weight decay λ is the lasso with penalty λ/2; linear with l1: λ is the lasso with λ")
    func lassoEquivalents() throws {
        let data = Dataset.synthesize(SynthesisSpec(rows: 100, features: 20, truth: .sparse(k: 6, value: 1, randomSigns: true), noise: 0.5),
                                      stream: RandomStream(seed: 6).derived("data"))
        let lambda = 0.1
        let specs = [
            FitSpec(model: .diagonal(depth: 2), initScale: 0.1, penalty: Penalty(weightDecay: lambda),
                    stopping: Stopping(steps: 400_000, rtol: 1e-15)),
            FitSpec(model: .diagonal(depth: 2), initScale: 0.1, penalty: Penalty(weightDecay: 2 * lambda),
                    stopping: Stopping(steps: 400_000, rtol: 1e-15)),
        ]
        let output = try train(FitProblem(train: data), specs)
        let lasso = try pythonReference("lasso", x: data.x, y: data.y, lambdas: [lambda / 2, lambda])["w"]!
        #expect(maxAbsoluteDifference(output.results[0].weights, Array(lasso[0..<20])) < 1e-6)
        #expect(maxAbsoluteDifference(output.results[1].weights, Array(lasso[20..<40])) < 1e-6)
        let ista = try train(FitProblem(train: data), [
            FitSpec(model: .linear, initScale: 0, penalty: Penalty(l1: lambda), stopping: Stopping(steps: 100_000)),
        ])
        #expect(maxAbsoluteDifference(ista.results[0].weights, Array(lasso[20..<40])) < 1e-8)
    }

    @Test("logistic GD on separable data turns towards the hard-margin SVM direction (Soudry et al. 2018)")
    func logisticMaxMargin() throws {
        let data = separableData()
        let budgets = [100, 10_000, 100_000]
        let specs = budgets.map {
            FitSpec(model: .linear, loss: .logistic, initScale: 0, stopping: Stopping(steps: $0))
        }
        let output = try train(FitProblem(train: data), specs)
        let svm = try pythonReference("svm", x: data.x, y: data.y)["w"]!
        let gaps = output.results.map { 1 - BLAS.dot($0.weights, svm) / BLAS.nrm2($0.weights) }
        #expect(gaps[0] > gaps[1] && gaps[1] > gaps[2], "gaps \(gaps)")
        #expect(gaps[2] < 2e-3, "gaps \(gaps)")
        #expect(output.results.allSatisfy { $0.metrics[output.metricNames.firstIndex(of: "train_error")!] == 0 })
    }
}
