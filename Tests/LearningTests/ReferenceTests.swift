import Datasets
import Foundation
import Learning
import LinearAlgebra
import Testing
import TestSupport

@Suite("reference solutions")
struct ReferenceTests {
    @Test("min_l2: the SVD route and the dual Cholesky route agree, and w₀ + X⁺(y − Xw₀) interpolates")
    func minimumNorm() throws {
        let split = sparseProblem(n: 30, d: 80, k: 4)
        let x = split.train.x, y = split.train.y
        let svd = try MinimumNorm.solve(x, y)
        let dual = try MinimumNorm.solveDual(x, y)
        #expect(relativeDistance(dual, svd) < 1e-12)
        #expect(relativeDistance(BLAS.product(x, .none, svd), y) < 1e-12)
        // From w₀: interpolates, and w − w₀ lies in the row space (is X⁺ of something).
        let start = (0..<80).map { Double($0 % 5) - 2 }
        let w = try MinimumNorm.solve(x, y, from: start)
        #expect(relativeDistance(BLAS.product(x, .none, w), y) < 1e-12)
        var shift = w
        BLAS.axpy(-1, start, &shift)
        #expect(relativeDistance(try MinimumNorm.solve(x, BLAS.product(x, .none, shift)), shift) < 1e-10)
    }

    @Test("ridge: primal, dual and SVD path agree, and match scikit-learn's Ridge on the diabetes data")
    func ridge() throws {
        let (raw, _) = try Dataset.loadCSV(path: Paths.repository("data/diabetes.csv").path, target: "y")
        let data = try Standardization(fitting: raw).apply(to: raw)
        let lambdas = [1e-4, 1e-2, 1, 100]
        let path = try Ridge.path(data.x, data.y, lambdas: lambdas)
        let sklearn = try pythonReference("ridge", x: data.x, y: data.y, lambdas: lambdas)["w"]!
        for (index, lambda) in lambdas.enumerated() {
            let primal = try Ridge.solvePrimal(data.x, data.y, lambda: lambda)
            let dual = try Ridge.solveDual(data.x, data.y, lambda: lambda)
            #expect(relativeDistance(dual, primal) < 1e-10, "λ = \(lambda)")
            #expect(relativeDistance(path[index], primal) < 1e-10, "λ = \(lambda)")
            let reference = Array(sklearn[(index * 10)..<((index + 1) * 10)])
            #expect(relativeDistance(primal, reference) < 1e-10, "λ = \(lambda) vs scikit-learn")
        }
        // Wide data (d > n) picks the dual system, which agrees with the path.
        let wide = sparseProblem(n: 20, d: 60, k: 3).train
        let w = try Ridge.solve(wide.x, wide.y, lambda: 0.1)
        #expect(relativeDistance(w, try Ridge.path(wide.x, wide.y, lambdas: [0.1])[0]) < 1e-10)
        #expect(relativeDistance(try Ridge.path(wide.x, wide.y, lambdas: [0])[0], try MinimumNorm.solve(wide.x, wide.y)) < 1e-10)
    }

    @Test("min_l1: GLPK's basis pursuit agrees with SciPy's linprog (HiGHS) to 1e-8")
    func basisPursuit() throws {
        for (n, d, seed) in [(40, 100, UInt64(7)), (25, 120, 3), (60, 200, 11)] {
            let problem = sparseProblem(n: n, d: d, k: 6, seed: seed).train
            let ours = try BasisPursuit.solve(problem.x, problem.y)
            let scipy = try pythonReference("linprog", x: problem.x, y: problem.y)["w"]!
            #expect(relativeDistance(ours, scipy) < 1e-8, "\(n)×\(d)")
            #expect(relativeDistance(BLAS.product(problem.x, .none, ours), problem.y) < 1e-12)
        }
        // Sparse recovery: with enough rows the ℓ1 solution is the truth.
        let easy = sparseProblem(n: 60, d: 100, k: 4).train
        #expect(relativeDistance(try BasisPursuit.solve(easy.x, easy.y), easy.truth!) < 1e-10)
    }

    @Test("min_l1 reports an infeasible system")
    func infeasible() {
        let x = Matrix([[1, 1], [1, 1]])
        let error = #expect(throws: LearningError.self) { try BasisPursuit.solve(x, [1, 2]) }
        #expect(error?.description == "min_l1: Xw = y has no solution (is X of full row rank?)")
    }

    @Test("q_alpha satisfies its optimality conditions and tends to min_l2 (large α) and min_l1 (small α)")
    func qAlpha() throws {
        let problem = sparseProblem(n: 40, d: 100, k: 5).train
        let x = problem.x, y = problem.y
        let l2 = try MinimumNorm.solve(x, y), l1 = try BasisPursuit.solve(x, y)
        for alpha in [0.01, 0.1, 1, 10] {
            let w = try QAlpha.solve(x, y, alpha: alpha)
            // Feasible…
            #expect(relativeDistance(BLAS.product(x, .none, w), y) < 1e-11, "α = \(alpha)")
            // …and stationary: ∇Q_α(w) = asinh(w/2α²) lies in the row space of X.
            let gradient = w.map { asinh($0 / (2 * alpha * alpha)) }
            let nu = try MinimumNorm.solve(x.transposed, gradient)
            #expect(relativeDistance(BLAS.product(x, .transpose, nu), gradient) < 1e-9, "α = \(alpha)")
            // Q_α is not lowered by moving along the null space of X.
            let direction = try nullSpaceDirection(x)
            for epsilon in [1e-3, -1e-3] {
                var moved = w
                BLAS.axpy(epsilon, direction, &moved)
                #expect(QAlpha.objective(moved, alpha: alpha) >= QAlpha.objective(w, alpha: alpha))
            }
        }
        #expect(relativeDistance(try QAlpha.solve(x, y, alpha: 100), l2) < 1e-6)
        #expect(relativeDistance(try QAlpha.solve(x, y, alpha: 1e-4), l1) < 1e-3)
    }

    @Test("the depth-D limit (D = 3, 4) is feasible, stationary (w⁻¹(w) in the row space of X), and tends to min_l2 and min_l1")
    func depthLimit() throws {
        let problem = sparseProblem(n: 40, d: 100, k: 5).train
        let x = problem.x, y = problem.y
        let l2 = try MinimumNorm.solve(x, y), l1 = try BasisPursuit.solve(x, y)
        for depth in [3, 4] {
            var distancesToL1: [Double] = []
            for alpha in [0.01, 0.1, 1, 10] {
                let w = try QAlpha.solve(x, y, alpha: alpha, depth: depth)
                #expect(relativeDistance(BLAS.product(x, .none, w), y) < 1e-11, "D = \(depth), α = \(alpha)")
                // t = w⁻¹(w), coordinate by coordinate by bisection on the
                // increasing map, must be Xᵀν for some ν.
                let map = QAlpha.Map(alpha: alpha, depth: depth)
                let edge = pow(alpha, Double(2 - depth)) / Double(depth * (depth - 2))
                let t = w.map { target -> Double in
                    var low = -edge, high = edge
                    for _ in 0..<200 {
                        let middle = (low + high) / 2
                        if map.weight(middle) < target { low = middle } else { high = middle }
                    }
                    return (low + high) / 2
                }
                let nu = try MinimumNorm.solve(x.transposed, t)
                #expect(relativeDistance(BLAS.product(x, .transpose, nu), t) < 1e-7, "D = \(depth), α = \(alpha)")
                distancesToL1.append(relativeDistance(w, l1))
            }
            // From min_l2 (kernel regime) towards min_l1 (rich regime) as α shrinks.
            #expect(distancesToL1 == distancesToL1.sorted(), "D = \(depth): \(distancesToL1)")
            #expect(relativeDistance(try QAlpha.solve(x, y, alpha: 100, depth: depth), l2) < 1e-4, "D = \(depth)")
            #expect(relativeDistance(try QAlpha.solve(x, y, alpha: 1e-3, depth: depth), l1) < 1e-2, "D = \(depth)")
        }
    }

    /// A unit vector with Xv = 0 (d > n): a row of Vᵀ beyond the rank, from the full SVD of Xᵀ's complement.
    private func nullSpaceDirection(_ x: Matrix) throws -> [Double] {
        var v = (0..<x.columns).map { Double(($0 * 7919) % 13) - 6 }
        let projection = try MinimumNorm.solve(x, BLAS.product(x, .none, v))
        BLAS.axpy(-1, projection, &v)
        BLAS.scal(1 / BLAS.nrm2(v), &v)
        return v
    }
}
