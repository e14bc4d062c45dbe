import CBLAS

/// LAPACK through LAPACKE, row-major. Every routine checks its input is finite,
/// turns `info != 0` into a thrown `LinearAlgebraError`, and never returns a
/// partial result.
public enum LAPACK {
    /// Solves A·X = B for symmetric positive definite A by Cholesky (dposv).
    /// Throws when A is not positive definite (numerically).
    public static func choleskySolve(_ a: Matrix, _ b: Matrix) throws -> Matrix {
        precondition(a.rows == a.columns, "dposv: A is \(a.rows)×\(a.columns), not square")
        precondition(b.rows == a.rows, "dposv: B has \(b.rows) rows, A has \(a.rows)")
        try LinearAlgebraError.requireFinite(a.storage, routine: "dposv", name: "A")
        try LinearAlgebraError.requireFinite(b.storage, routine: "dposv", name: "B")
        if a.rows == 0 || b.columns == 0 { return b }
        var factor = a.storage
        var solution = b.storage
        let n = Int32(a.rows), nrhs = Int32(b.columns)
        let info = LAPACKE_dposv(LAPACK_ROW_MAJOR, CChar(UInt8(ascii: "U")), n, nrhs, &factor, n, &solution, nrhs)
        if info != 0 {
            throw LinearAlgebraError.from(routine: "dposv", info: info) {
                "the matrix is not positive definite (leading minor of order \($0))"
            }
        }
        return Matrix(rows: b.rows, columns: b.columns, storage: solution)
    }

    /// Solves A·x = b for symmetric positive definite A (one right-hand side).
    public static func choleskySolve(_ a: Matrix, _ b: [Double]) throws -> [Double] {
        try choleskySolve(a, Matrix(column: b)).storage
    }

    /// The minimum-norm least-squares solution and what LAPACK learned on the way.
    public struct LeastSquares: Sendable {
        /// X (columns of A × columns of B) minimizing ‖A·X − B‖ with minimal ‖X‖ per column.
        public var solution: Matrix
        /// The effective rank of A at the cutoff `rcond`.
        public var rank: Int
        /// The singular values of A, descending.
        public var singularValues: [Double]
    }

    /// Minimum-norm least squares by a divide-and-conquer SVD (dgelsd): for
    /// d > n (underdetermined) the minimum-ℓ2 solution of A·x = b, i.e. A⁺b.
    /// Singular values below `rcond`·σ_max count as zero. The default,
    /// ε·max(m, n), is NumPy's `lstsq(rcond=None)`: LAPACK's own default (ε)
    /// keeps the rounding-error singular values of an exactly rank-deficient
    /// matrix and returns a huge, meaningless solution.
    public static func minimumNormLeastSquares(_ a: Matrix, _ b: Matrix, rcond: Double? = nil) throws -> LeastSquares {
        precondition(b.rows == a.rows, "dgelsd: B has \(b.rows) rows, A has \(a.rows)")
        try LinearAlgebraError.requireFinite(a.storage, routine: "dgelsd", name: "A")
        try LinearAlgebraError.requireFinite(b.storage, routine: "dgelsd", name: "B")
        let m = a.rows, n = a.columns, nrhs = b.columns
        if m == 0 || n == 0 || nrhs == 0 {
            return LeastSquares(solution: Matrix(rows: n, columns: nrhs), rank: 0, singularValues: [])
        }
        var work = a.storage
        // B is overwritten by the solution; it needs max(m, n) rows.
        var rhs = [Double](repeating: 0, count: max(m, n) * nrhs)
        rhs.replaceSubrange(0..<(m * nrhs), with: b.storage)
        var singular = [Double](repeating: 0, count: min(m, n))
        var rank: Int32 = 0
        let info = LAPACKE_dgelsd(LAPACK_ROW_MAJOR, Int32(m), Int32(n), Int32(nrhs), &work, Int32(n),
                                  &rhs, Int32(nrhs), &singular, rcond ?? Double.ulpOfOne * Double(max(m, n)), &rank)
        if info != 0 {
            throw LinearAlgebraError.from(routine: "dgelsd", info: info) {
                "the SVD did not converge (\($0) off-diagonal elements)"
            }
        }
        return LeastSquares(solution: Matrix(rows: n, columns: nrhs, storage: Array(rhs.prefix(n * nrhs))),
                            rank: Int(rank), singularValues: singular)
    }

    /// Minimum-norm least squares for one right-hand side.
    public static func minimumNormLeastSquares(_ a: Matrix, _ b: [Double], rcond: Double? = nil) throws -> [Double] {
        try minimumNormLeastSquares(a, Matrix(column: b), rcond: rcond).solution.storage
    }

    /// Eigenvalues (ascending) and orthonormal eigenvectors (the columns of
    /// `vectors`) of a symmetric matrix, by divide and conquer (dsyevd). Only the
    /// upper triangle of `a` is read.
    public static func symmetricEigen(_ a: Matrix) throws -> (values: [Double], vectors: Matrix) {
        precondition(a.rows == a.columns, "dsyevd: A is \(a.rows)×\(a.columns), not square")
        try LinearAlgebraError.requireFinite(a.storage, routine: "dsyevd", name: "A")
        let n = a.rows
        if n == 0 { return ([], a) }
        var vectors = a.storage
        var values = [Double](repeating: 0, count: n)
        let info = LAPACKE_dsyevd(LAPACK_ROW_MAJOR, CChar(UInt8(ascii: "V")), CChar(UInt8(ascii: "U")),
                                  Int32(n), &vectors, Int32(n), &values)
        if info != 0 {
            throw LinearAlgebraError.from(routine: "dsyevd", info: info) {
                "the eigenvalue iteration did not converge (\($0))"
            }
        }
        return (values, Matrix(rows: n, columns: n, storage: vectors))
    }

    /// The largest eigenvalue of a symmetric matrix, alone (dsyevr with
    /// range 'I': no eigenvectors, only the top of the spectrum). Only the
    /// upper triangle of `a` is read.
    public static func largestSymmetricEigenvalue(_ a: Matrix) throws -> Double {
        precondition(a.rows == a.columns, "dsyevr: A is \(a.rows)×\(a.columns), not square")
        try LinearAlgebraError.requireFinite(a.storage, routine: "dsyevr", name: "A")
        let n = a.rows
        if n == 0 { return 0 }
        var work = a.storage
        var found: Int32 = 0
        var values = [Double](repeating: 0, count: n)
        var vectors = [Double](repeating: 0, count: 1)
        var support = [Int32](repeating: 0, count: 2)
        let info = LAPACKE_dsyevr(LAPACK_ROW_MAJOR, CChar(UInt8(ascii: "N")), CChar(UInt8(ascii: "I")), CChar(UInt8(ascii: "U")),
                                  Int32(n), &work, Int32(n), 0, 0, Int32(n), Int32(n), 0, &found, &values, &vectors, 1, &support)
        if info != 0 {
            throw LinearAlgebraError.from(routine: "dsyevr", info: info) { "the eigenvalue iteration did not converge (\($0))" }
        }
        return values[0]
    }

    /// A thin singular value decomposition A = U·diag(s)·Vᵀ.
    public struct SVD: Sendable {
        /// m × r, orthonormal columns (r = min(m, n)).
        public var u: Matrix
        /// r singular values, descending.
        public var singularValues: [Double]
        /// r × n, orthonormal rows.
        public var vt: Matrix
    }

    /// The thin SVD by divide and conquer (dgesdd, jobz = 'S').
    public static func thinSVD(_ a: Matrix) throws -> SVD {
        try LinearAlgebraError.requireFinite(a.storage, routine: "dgesdd", name: "A")
        let m = a.rows, n = a.columns, r = min(m, n)
        if r == 0 {
            return SVD(u: Matrix(rows: m, columns: 0), singularValues: [], vt: Matrix(rows: 0, columns: n))
        }
        var work = a.storage
        var s = [Double](repeating: 0, count: r)
        var u = [Double](repeating: 0, count: m * r)
        var vt = [Double](repeating: 0, count: r * n)
        let info = LAPACKE_dgesdd(LAPACK_ROW_MAJOR, CChar(UInt8(ascii: "S")), Int32(m), Int32(n), &work, Int32(n),
                                  &s, &u, Int32(r), &vt, Int32(n))
        if info != 0 {
            throw LinearAlgebraError.from(routine: "dgesdd", info: info) { _ in
                "the bidiagonal SVD did not converge"
            }
        }
        return SVD(u: Matrix(rows: m, columns: r, storage: u), singularValues: s,
                   vt: Matrix(rows: r, columns: n, storage: vt))
    }
}
