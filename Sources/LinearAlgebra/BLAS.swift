import CBLAS

/// Whether BLAS reads an operand as stored or transposed.
public enum Transpose: Sendable {
    case none, transpose

    var cblas: CBLAS_TRANSPOSE { self == .none ? CblasNoTrans : CblasTrans }
}

/// OpenBLAS through CBLAS, in row-major order.
///
/// The pointer-level calls are for hot loops that own their buffers (the batched
/// trainer): they allocate nothing. The `Matrix` and `[Double]` calls below them
/// are for everything else.
public enum BLAS {
    // MARK: Threads

    /// The number of threads OpenBLAS uses for one call. Setting it affects every
    /// later call in the process (docs/architecture.md: BLAS threads × job threads ≤ cores).
    public static var threadCount: Int {
        get { Int(openblas_get_num_threads()) }
        set { openblas_set_num_threads(Int32(max(1, newValue))) }
    }

    /// The number of processors OpenBLAS sees.
    public static var processorCount: Int { Int(openblas_get_num_procs()) }

    /// OpenBLAS's build configuration (core type, threading model, thread maximum).
    public static var configuration: String { String(cString: openblas_get_config()) }

    // MARK: Level 3, pointer level

    /// C ← α·op(A)·op(B) + β·C, row-major, where op(A) is m × k and op(B) is k × n.
    ///
    /// A product with one column (n = 1, B as stored) is a matrix-vector
    /// product and goes to dgemv: OpenBLAS 0.3.21's dgemm packs all of A for
    /// it, which made a one-point batch's steps memory-bound (measured: 18% of
    /// a one-point run in dgemm_oncopy).
    @inline(__always)
    public static func gemm(_ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int,
                            alpha: Double, a: UnsafePointer<Double>, lda: Int,
                            b: UnsafePointer<Double>, ldb: Int,
                            beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int) {
        if n == 1, transB == .none, m > 0, k > 0 {
            let (rows, columns) = transA == .none ? (m, k) : (k, m)
            cblas_dgemv(CblasRowMajor, transA.cblas, Int32(rows), Int32(columns), alpha, a, Int32(lda), b, Int32(ldb),
                        beta, c, Int32(ldc))
            return
        }
        cblas_dgemm(CblasRowMajor, transA.cblas, transB.cblas, Int32(m), Int32(n), Int32(k),
                    alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// y ← α·op(A)·x + β·y, row-major A of `rows` × `columns`.
    @inline(__always)
    public static func gemv(_ trans: Transpose, rows: Int, columns: Int, alpha: Double,
                            a: UnsafePointer<Double>, lda: Int, x: UnsafePointer<Double>, incx: Int = 1,
                            beta: Double, y: UnsafeMutablePointer<Double>, incy: Int = 1) {
        cblas_dgemv(CblasRowMajor, trans.cblas, Int32(rows), Int32(columns), alpha, a, Int32(lda),
                    x, Int32(incx), beta, y, Int32(incy))
    }

    /// C ← α·A·Aᵀ + β·C (or α·Aᵀ·A with `.transpose`), row-major, C n × n with
    /// only its `upper` (or lower) triangle written; A is n × k (k × n transposed).
    @inline(__always)
    public static func syrk(upper: Bool = true, _ trans: Transpose, n: Int, k: Int, alpha: Double,
                            a: UnsafePointer<Double>, lda: Int, beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int) {
        cblas_dsyrk(CblasRowMajor, upper ? CblasUpper : CblasLower, trans.cblas, Int32(n), Int32(k), alpha, a, Int32(lda),
                    beta, c, Int32(ldc))
    }

    // MARK: Level 1, pointer level

    @inline(__always)
    public static func dot(_ n: Int, _ x: UnsafePointer<Double>, _ incx: Int, _ y: UnsafePointer<Double>, _ incy: Int) -> Double {
        cblas_ddot(Int32(n), x, Int32(incx), y, Int32(incy))
    }

    @inline(__always)
    public static func nrm2(_ n: Int, _ x: UnsafePointer<Double>, _ incx: Int) -> Double {
        cblas_dnrm2(Int32(n), x, Int32(incx))
    }

    @inline(__always)
    public static func asum(_ n: Int, _ x: UnsafePointer<Double>, _ incx: Int) -> Double {
        cblas_dasum(Int32(n), x, Int32(incx))
    }

    @inline(__always)
    public static func axpy(_ n: Int, _ alpha: Double, _ x: UnsafePointer<Double>, _ incx: Int,
                            _ y: UnsafeMutablePointer<Double>, _ incy: Int) {
        cblas_daxpy(Int32(n), alpha, x, Int32(incx), y, Int32(incy))
    }

    @inline(__always)
    public static func scal(_ n: Int, _ alpha: Double, _ x: UnsafeMutablePointer<Double>, _ incx: Int) {
        cblas_dscal(Int32(n), alpha, x, Int32(incx))
    }
}

// MARK: - Matrix and vector level

extension BLAS {
    /// C ← α·op(A)·op(B) + β·C. Shapes are checked (a mismatch is a programming
    /// error and traps).
    public static func gemm(_ a: some MatrixOperand, _ transA: Transpose,
                            _ b: some MatrixOperand, _ transB: Transpose,
                            alpha: Double = 1, beta: Double = 0, into c: inout Matrix) {
        let (m, k) = transA == .none ? (a.operandRows, a.operandColumns) : (a.operandColumns, a.operandRows)
        let (kb, n) = transB == .none ? (b.operandRows, b.operandColumns) : (b.operandColumns, b.operandRows)
        precondition(k == kb, "gemm: inner dimensions \(k) and \(kb) differ")
        precondition(c.rows == m && c.columns == n, "gemm: output is \(c.rows)×\(c.columns), product is \(m)×\(n)")
        if m == 0 || n == 0 { return }
        if k == 0 {
            for index in c.storage.indices { c.storage[index] *= beta }
            return
        }
        let ldc = max(n, 1)
        a.withOperand { pa, lda in
            b.withOperand { pb, ldb in
                c.storage.withUnsafeMutableBufferPointer { pc in
                    gemm(transA, transB, m: m, n: n, k: k, alpha: alpha, a: pa, lda: lda, b: pb, ldb: ldb,
                         beta: beta, c: pc.baseAddress!, ldc: ldc)
                }
            }
        }
    }

    /// C ← α·A·B + β·C.
    public static func gemm(_ a: some MatrixOperand, _ b: some MatrixOperand,
                            alpha: Double = 1, beta: Double = 0, into c: inout Matrix) {
        gemm(a, .none, b, .none, alpha: alpha, beta: beta, into: &c)
    }

    /// A·B as a new matrix.
    public static func product(_ a: some MatrixOperand, _ b: some MatrixOperand) -> Matrix {
        product(a, .none, b, .none)
    }

    /// op(A)·op(B) as a new matrix.
    public static func product(_ a: some MatrixOperand, _ transA: Transpose,
                               _ b: some MatrixOperand, _ transB: Transpose) -> Matrix {
        let m = transA == .none ? a.operandRows : a.operandColumns
        let n = transB == .none ? b.operandColumns : b.operandRows
        var c = Matrix(rows: m, columns: n)
        gemm(a, transA, b, transB, into: &c)
        return c
    }

    /// y ← α·op(A)·x + β·y.
    public static func gemv(_ a: some MatrixOperand, _ trans: Transpose = .none, _ x: [Double],
                            alpha: Double = 1, beta: Double = 0, into y: inout [Double]) {
        let (m, n) = trans == .none ? (a.operandRows, a.operandColumns) : (a.operandColumns, a.operandRows)
        precondition(x.count == n, "gemv: x has \(x.count) elements, op(A) has \(n) columns")
        precondition(y.count == m, "gemv: y has \(y.count) elements, op(A) has \(m) rows")
        if m == 0 { return }
        if n == 0 {
            for index in y.indices { y[index] *= beta }
            return
        }
        a.withOperand { pa, lda in
            x.withUnsafeBufferPointer { px in
                y.withUnsafeMutableBufferPointer { py in
                    gemv(trans, rows: a.operandRows, columns: a.operandColumns, alpha: alpha, a: pa, lda: lda,
                         x: px.baseAddress!, beta: beta, y: py.baseAddress!)
                }
            }
        }
    }

    /// op(A)·x as a new vector.
    public static func product(_ a: some MatrixOperand, _ trans: Transpose = .none, _ x: [Double]) -> [Double] {
        var y = [Double](repeating: 0, count: trans == .none ? a.operandRows : a.operandColumns)
        gemv(a, trans, x, into: &y)
        return y
    }

    public static func dot(_ x: [Double], _ y: [Double]) -> Double {
        precondition(x.count == y.count, "dot: lengths \(x.count) and \(y.count) differ")
        if x.isEmpty { return 0 }
        return x.withUnsafeBufferPointer { px in
            y.withUnsafeBufferPointer { py in dot(x.count, px.baseAddress!, 1, py.baseAddress!, 1) }
        }
    }

    /// ‖x‖₂, computed without overflow or underflow.
    public static func nrm2(_ x: [Double]) -> Double {
        if x.isEmpty { return 0 }
        return x.withUnsafeBufferPointer { nrm2(x.count, $0.baseAddress!, 1) }
    }

    /// ‖x‖₁.
    public static func asum(_ x: [Double]) -> Double {
        if x.isEmpty { return 0 }
        return x.withUnsafeBufferPointer { asum(x.count, $0.baseAddress!, 1) }
    }

    /// y ← α·x + y.
    public static func axpy(_ alpha: Double, _ x: [Double], _ y: inout [Double]) {
        precondition(x.count == y.count, "axpy: lengths \(x.count) and \(y.count) differ")
        if x.isEmpty { return }
        x.withUnsafeBufferPointer { px in
            y.withUnsafeMutableBufferPointer { py in axpy(x.count, alpha, px.baseAddress!, 1, py.baseAddress!, 1) }
        }
    }

    /// x ← α·x.
    public static func scal(_ alpha: Double, _ x: inout [Double]) {
        if x.isEmpty { return }
        let count = x.count
        x.withUnsafeMutableBufferPointer { scal(count, alpha, $0.baseAddress!, 1) }
    }
}
