import Datasets
import Foundation
import HDF5
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

    @Test("the flow matches SciPy's Radau integration of the (u, v) ODE to 1e-6 at matched times — every model, with weight decay, and the logistic loss")
    func matchesScipy() throws {
        let data = sparseProblem(n: 10, d: 25, k: 3).train
        let labels = Datasets.Dataset(x: data.x, y: data.y.map { $0 >= 0 ? 1 : -1 })
        let times = [0.5, 5, 50, 500]
        let cases: [(ModelKind, Double, Double, LossKind)] = [
            (.diagonal(depth: 2), 0.3, 0, .squared), (.diagonal(depth: 2), 0.3, 0.05, .squared),
            // Deeper models with weight decay collapse to w = 0 (e^{−Dλt}): a small λ keeps w measurable at t = 500.
            (.diagonal(depth: 3), 0.5, 0, .squared), (.diagonal(depth: 3), 0.5, 0.002, .squared),
            (.diagonal(depth: 4), 0.7, 0.001, .squared), (.squared, 0.3, 0.05, .squared), (.linear, 0, 0.05, .squared),
            (.diagonal(depth: 2), 0.5, 0, .logistic), (.diagonal(depth: 3), 0.5, 0.002, .logistic),
        ]
        for (model, alpha, decay, loss) in cases {
            let problem = loss == .squared ? data : labels
            let specs = times.map { Self.spec(model, alpha: alpha, loss: loss, decay: decay, residual: nil, tMax: $0) }
            let output = try train(FitProblem(train: problem), specs)
            let reference = try Self.scipyFlow(problem, model: model, alpha: alpha, decay: decay, loss: loss, times: times)
            for (index, time) in times.enumerated() {
                let result = output.results[index]
                #expect(result.stopReason == .time && result.time == time)
                let gap = relativeDistance(result.weights, reference[index])
                #expect(gap < 1e-6, "\(model), α = \(alpha), λ = \(decay), \(loss), t = \(time): \(gap)")
            }
        }
    }

    @Test("GD at step η reaches the flow as η → 0: the gap at t = 5 halves with η")
    func gdApproachesFlow() throws {
        let data = sparseProblem(n: 10, d: 25, k: 3).train
        let time = 5.0
        for model in [ModelKind.diagonal(depth: 2), .diagonal(depth: 3)] {
            let flow = try train(FitProblem(train: data), [Self.spec(model, alpha: 0.5, residual: nil, tMax: time)]).results[0]
            var gaps: [Double] = []
            for rate in [0.004, 0.002, 0.001] {
                let gd = FitSpec(model: model, initScale: 0.5, learningRate: .fixed(rate), stopping: Stopping(steps: Int((time / rate).rounded())))
                let result = try train(FitProblem(train: data), [gd]).results[0]
                #expect(result.time == time)
                gaps.append(relativeDistance(result.weights, flow.weights))
            }
            // First order: halving η halves the gap (to within 10%).
            for (coarse, fine) in zip(gaps, gaps.dropFirst()) {
                #expect(abs(coarse / fine - 2) < 0.2, "\(model): gaps \(gaps)")
            }
        }
    }

    @Test("linear with l2 (weight decay on w) flows to the ridge solution; linear from w₀ to w₀ + X⁺(y − Xw₀)")
    func linearLimits() throws {
        let split = sparseProblem(n: 20, d: 50, k: 3)
        let x = split.train.x, y = split.train.y
        let ridge = FitSpec(model: .linear, initScale: 0, penalty: Penalty(l2: 0.1), method: Self.flow,
                            stopping: Stopping(steps: 100, timeBudget: 1e3))
        let start = FitSpec(model: .linear, initScale: 0.5, initShape: .gaussian, method: Self.flow,
                            stopping: Stopping(steps: 100, residualTol: 1e-13, timeBudget: 1e12))
        let output = try train(FitProblem(train: split.train), [ridge, start])
        let ridgeGap = relativeDistance(output.results[0].weights, try Ridge.solve(x, y, lambda: 0.1))
        #expect(ridgeGap < 1e-9, "\(ridgeGap) \(output.results[0].stopReason) \(output.results[0].time)")
        var stream = RandomStream(seed: 1).derived("point 1")
        let w0 = (0..<50).map { _ in 0.5 * stream.nextGaussian() }
        #expect(output.results[1].stopReason == .residual)
        #expect(relativeDistance(output.results[1].weights, try MinimumNorm.solve(x, y, from: w0)) < 1e-10)
    }

    @Test("logistic flow on separable data turns towards the hard-margin SVM direction as t grows")
    func logisticMaxMargin() throws {
        let data = separableData()
        let times = [1e2, 1e4, 1e6, 1e8]
        let specs = times.map { Self.spec(.linear, alpha: 0, loss: .logistic, residual: nil, tMax: $0) }
        let output = try train(FitProblem(train: data), specs)
        let svm = try pythonReference("svm", x: data.x, y: data.y)["w"]!
        let gaps = output.results.map { 1 - BLAS.dot($0.weights, svm) / BLAS.nrm2($0.weights) }
        #expect(zip(gaps, gaps.dropFirst()).allSatisfy { $0 > $1 }, "gaps \(gaps)")
        #expect(gaps.last! < 1e-3, "gaps \(gaps)")
    }

    @Test("an integrator failure ends that point as failed at the time it reached; the batch's other points train on")
    func integratorFailure() throws {
        let data = sparseProblem(n: 10, d: 25, k: 3).train
        var impossible = Self.spec(.diagonal(depth: 2), alpha: 0.1, residual: 1e-8)
        impossible.method = .flow(FlowTolerance(relative: 1e-30, absolute: 1e-300))
        let specs = [impossible, Self.spec(.diagonal(depth: 2), alpha: 0.1, residual: 1e-8)]
        // Points of one batch share their method: two batches.
        let failed = try train(FitProblem(train: data), [specs[0]])
        let fine = try train(FitProblem(train: data), [specs[1]])
        let result = failed.results[0]
        #expect(result.status == .failed && result.stopReason == .solver)
        #expect(result.time.isFinite && result.time >= 0)
        #expect(failed.messages.count == 1 && failed.messages[0].message.contains("t ="), "\(failed.messages)")
        #expect(fine.results[0].status == .ok && fine.results[0].stopReason == .residual)
    }

    @Test("GD's stopping rules and the flow's budgets: tol, rtol per time η, t_max, the evaluation budget")
    func stoppingRules() throws {
        let data = sparseProblem(n: 10, d: 25, k: 3).train
        var tol = Self.spec(.diagonal(depth: 2), alpha: 0.1, residual: nil)
        tol.stopping.tol = 1e-4
        // With weight decay the objective levels off above 0, where rtol ends it.
        var rtol = Self.spec(.diagonal(depth: 2), alpha: 0.1, decay: 0.01, residual: nil)
        rtol.stopping.rtol = 1e-6
        rtol.learningRate = .fixed(0.01)
        var evaluations = Self.spec(.diagonal(depth: 2), alpha: 0.1, residual: nil)
        evaluations.stopping.evaluations = 50
        let horizon = Self.spec(.diagonal(depth: 2), alpha: 0.1, residual: nil, tMax: 3)
        let output = try train(FitProblem(train: data), [tol, rtol, evaluations, horizon])
        let objective = output.metricNames.firstIndex(of: "objective")!
        #expect(output.results[0].stopReason == .tol && output.results[0].metrics[objective] <= 1e-4)
        #expect(output.results[1].stopReason == .rtol)
        // At the rtol stop the objective changes by about rtol·F per time η = 0.01, not more.
        let later = try train(FitProblem(train: data), [Self.spec(.diagonal(depth: 2), alpha: 0.1, decay: 0.01, residual: nil,
                                                                   tMax: output.results[1].time + 0.01)])
        let change = abs(later.results[0].metrics[objective] - output.results[1].metrics[objective])
        #expect(change <= 2e-6 * output.results[1].metrics[objective], "\(change)")
        #expect(output.results[2].stopReason == .evaluations && (50..<60).contains(output.results[2].evaluations))
        #expect(output.results[3].stopReason == .time && output.results[3].time == 3)
        #expect(output.results.allSatisfy { $0.status == .ok })
        // converged: the rule asked for ended the point (1); only a budget was asked for (NaN).
        #expect(output.results[0].converged == 1 && output.results[1].converged == 1)
        #expect(output.results[2].converged.isNaN && output.results[3].converged.isNaN)
        // A residual asked for, and the time budget ended the point first: 0.
        let short = try train(FitProblem(train: data), [Self.spec(.diagonal(depth: 2), alpha: 0.01, residual: 1e-10, tMax: 1)])
        #expect(short.results[0].stopReason == .time && short.results[0].converged == 0)
    }

    @Test("what the flow cannot integrate is refused, naming the field")
    func refusals() {
        var l1 = Self.spec(.linear, alpha: 0)
        l1.penalty.l1 = 0.1
        var l2 = Self.spec(.diagonal(depth: 2), alpha: 0.1)
        l2.penalty.l2 = 0.1
        var gaussian = Self.spec(.squared, alpha: 0.1)
        gaussian.initShape = .gaussian
        #expect(l1.problems.map(\.field).contains(.l1))
        #expect(l2.problems.map(\.field) == [.l2])
        #expect(gaussian.problems.map(\.field) == [.initShape])
        var budget = Self.spec(.linear, alpha: 0)
        budget.stopping.timeBudget = -1
        #expect(budget.problems.map(\.field) == [.timeBudget])
        // Linear with l2 and a gaussian start has a reduction: accepted.
        var linear = Self.spec(.linear, alpha: 0.5)
        linear.penalty.l2 = 0.1
        linear.initShape = .gaussian
        #expect(linear.problems.isEmpty)
    }
}

extension FlowTests {
    /// w(t) of SciPy's Radau integration of the parameter ODE (Tests/interop/flow_reference.py).
    static func scipyFlow(_ data: Datasets.Dataset, model: ModelKind, alpha: Double, decay: Double, loss: LossKind,
                          times: [Double]) throws -> [[Double]] {
        let dir = try TemporaryDirectory("flow-reference")
        let input = dir.file("in.h5"), output = dir.file("out.h5")
        let file = try File.create(input)
        try file.write("x", data.x.storage, shape: [data.rows, data.features])
        try file.write("y", data.y)
        try file.write("times", times)
        try file.setAttribute("model", model.family.rawValue)
        if case .diagonal(let depth) = model { try file.setAttribute("depth", Int64(depth)) } else { try file.setAttribute("depth", Int64(0)) }
        try file.setAttribute("alpha", alpha)
        try file.setAttribute("decay", decay)
        try file.setAttribute("loss", loss.rawValue)
        try file.close()
        _ = try Python.run("flow_reference.py", [input, output])
        let answer = try File.open(output)
        defer { try? answer.close() }
        let flat = try answer.openDataset("w").readDoubles()
        return times.indices.map { Array(flat[($0 * data.features)..<(($0 + 1) * data.features)]) }
    }
}
