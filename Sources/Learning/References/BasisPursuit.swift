import CGLPK
import Foundation
import LinearAlgebra

/// Basis pursuit: argmin ‖w‖₁ subject to Xw = y — the limit of the diagonal
/// model as α → 0 (Woodworth et al. 2020) and the classical sparse-recovery
/// program.
///
/// Solved as the linear program min 1ᵀ(w⁺ + w⁻) s.t. X(w⁺ − w⁻) = y,
/// w⁺, w⁻ ≥ 0, by GLPK's simplex method (with its presolver). A simplex
/// solution is a vertex: at most n nonzeros. Its values are then polished by
/// solving X_S·w_S = y on that support S with LAPACK, which removes the
/// simplex's feasibility tolerance (1e-7) from the answer; the polish is kept
/// only when it interpolates at least as well and changes no sign.
public enum BasisPursuit {
    /// GLPK keeps global state; calls are serialized.
    private static let lock = NSLock()

    public static func solve(_ x: Matrix, _ y: [Double]) throws -> [Double] {
        let n = x.rows, d = x.columns
        guard n > 0, d > 0 else { return [Double](repeating: 0, count: d) }
        guard x.storage.allSatisfy(\.isFinite), y.allSatisfy(\.isFinite) else {
            throw LearningError("min_l1: the data holds NaN or infinite values")
        }
        let raw = try simplex(x, y)
        return polish(raw, x, y)
    }

    private static func simplex(_ x: Matrix, _ y: [Double]) throws -> [Double] {
        lock.lock()
        defer { lock.unlock() }
        let n = x.rows, d = x.columns
        _ = glp_term_out(GLP_OFF)
        guard let problem = glp_create_prob() else { throw LearningError("min_l1: GLPK could not create a problem") }
        defer { glp_delete_prob(problem) }
        glp_set_obj_dir(problem, GLP_MIN)
        glp_add_rows(problem, Int32(n))
        glp_add_cols(problem, Int32(2 * d))
        for i in 0..<n { glp_set_row_bnds(problem, Int32(i + 1), GLP_FX, y[i], y[i]) }
        for j in 0..<(2 * d) {
            glp_set_col_bnds(problem, Int32(j + 1), GLP_LO, 0, 0)
            glp_set_obj_coef(problem, Int32(j + 1), 1)
        }
        // The constraint matrix [X, −X] as 1-based triplets (index 0 unused).
        let entries = 2 * n * d
        var rows = [Int32](repeating: 0, count: entries + 1)
        var columns = [Int32](repeating: 0, count: entries + 1)
        var values = [Double](repeating: 0, count: entries + 1)
        var index = 1
        for i in 0..<n {
            for j in 0..<d {
                let value = x[i, j]
                rows[index] = Int32(i + 1); columns[index] = Int32(j + 1); values[index] = value
                rows[index + 1] = Int32(i + 1); columns[index + 1] = Int32(d + j + 1); values[index + 1] = -value
                index += 2
            }
        }
        glp_load_matrix(problem, Int32(entries), rows, columns, values)
        var parameters = glp_smcp()
        glp_init_smcp(&parameters)
        parameters.msg_lev = GLP_MSG_OFF
        parameters.presolve = GLP_ON
        let code = glp_simplex(problem, &parameters)
        // The presolver reports infeasibility and unboundedness as return codes.
        if code == GLP_ENOPFS { throw LearningError("min_l1: Xw = y has no solution (is X of full row rank?)") }
        if code == GLP_ENODFS { throw LearningError("min_l1: the program is unbounded") }
        guard code == 0 else {
            throw LearningError("min_l1: GLPK's simplex failed (glp_simplex returned \(code))")
        }
        let status = glp_get_status(problem)
        guard status == GLP_OPT else {
            let meaning = status == GLP_NOFEAS ? "Xw = y has no solution (is X of full row rank?)"
                : status == GLP_UNBND ? "the program is unbounded" : "no optimal solution (status \(status))"
            throw LearningError("min_l1: \(meaning)")
        }
        return (0..<d).map { j in
            glp_get_col_prim(problem, Int32(j + 1)) - glp_get_col_prim(problem, Int32(d + j + 1))
        }
    }

    /// Re-solves the equations on the simplex solution's support.
    private static func polish(_ w: [Double], _ x: Matrix, _ y: [Double]) -> [Double] {
        let scale = w.map(abs).max() ?? 0
        guard scale > 0 else { return w }
        let support = w.indices.filter { abs(w[$0]) > 1e-9 * scale }
        guard !support.isEmpty, support.count <= x.rows else { return w }
        var restricted = Matrix(rows: x.rows, columns: support.count)
        for i in 0..<x.rows { for (c, j) in support.enumerated() { restricted[i, c] = x[i, j] } }
        guard let values = try? LAPACK.minimumNormLeastSquares(restricted, y) else { return w }
        var polished = [Double](repeating: 0, count: w.count)
        for (c, j) in support.enumerated() { polished[j] = values[c] }
        func residual(_ v: [Double]) -> Double {
            var r = y
            BLAS.gemv(x, .none, v, alpha: 1, beta: -1, into: &r)
            return BLAS.nrm2(r)
        }
        let keepsSigns = support.allSatisfy { polished[$0] * w[$0] > 0 }
        return keepsSigns && residual(polished) <= residual(w) ? polished : w
    }
}
