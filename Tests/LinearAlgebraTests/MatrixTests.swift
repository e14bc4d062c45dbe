import LinearAlgebra
import Testing
import TestSupport

@Suite("Matrix, views and LAPACK errors")
struct MatrixTests {
    /// A naive triple loop: the oracle for storage order and transpose flags.
    func naiveProduct(_ a: Matrix, _ ta: Bool, _ b: Matrix, _ tb: Bool) -> Matrix {
        let opA = ta ? a.transposed : a, opB = tb ? b.transposed : b
        var c = Matrix(rows: opA.rows, columns: opB.columns)
        for i in 0..<opA.rows {
            for j in 0..<opB.columns {
                var sum = 0.0
                for k in 0..<opA.columns { sum += opA[i, k] * opB[k, j] }
                c[i, j] = sum
            }
        }
        return c
    }

    @Test("row-major layout: element (i, j) is storage[i·d + j]")
    func layout() {
        let m = Matrix([[1, 2, 3], [4, 5, 6]])
        #expect(m.storage == [1, 2, 3, 4, 5, 6])
        #expect(m[1, 0] == 4)
        #expect(Array(m.row(1)) == [4, 5, 6])
        #expect(m.column(2) == [3, 6])
        #expect(m.transposed == Matrix([[1, 4], [2, 5], [3, 6]]))
        #expect(m.selectingRows([1, 0, 1]) == Matrix([[4, 5, 6], [1, 2, 3], [4, 5, 6]]))
        #expect(Matrix.identity(2) == Matrix([[1, 0], [0, 1]]))
    }

    @Test("gemm honours every combination of transpose flags", arguments: [(false, false), (true, false), (false, true), (true, true)])
    func transposes(flags: (Bool, Bool)) {
        let a = Matrix(rows: flags.0 ? 4 : 3, columns: flags.0 ? 3 : 4, storage: (0..<12).map { Double($0) * 0.5 - 2 })
        let b = Matrix(rows: flags.1 ? 5 : 4, columns: flags.1 ? 4 : 5, storage: (0..<20).map { Double($0 % 7) - 3 })
        let product = BLAS.product(a, flags.0 ? .transpose : .none, b, flags.1 ? .transpose : .none)
        #expect(product == naiveProduct(a, flags.0, b, flags.1))
    }

    @Test("views pass a block to BLAS without copying, with the base's leading dimension")
    func views() {
        let base = Matrix(rows: 6, columns: 5, storage: (0..<30).map { Double($0) })
        let block = MatrixView(base, rows: 1..<4, columns: 2..<5)
        #expect(block[0, 0] == 7)
        #expect(block.copy == Matrix([[7, 8, 9], [12, 13, 14], [17, 18, 19]]))
        let b = Matrix(rows: 3, columns: 2, storage: [1, 0, 0, 1, 1, 1])
        #expect(BLAS.product(block, b) == naiveProduct(block.copy, false, b, false))
        #expect(BLAS.product(base.rows(2..<4), .none, [1, 1, 1, 1, 1]) == [60, 85])
        #expect(BLAS.product(block, .transpose, [1, 1, 1]) == [36, 39, 42])
    }

    @Test("level-1 calls: axpy, scal, dot, nrm2, asum")
    func levelOne() {
        var y = [1.0, 2, 3]
        BLAS.axpy(2, [1, -1, 0.5], &y)
        #expect(y == [3, 0, 4])
        BLAS.scal(-0.5, &y)
        #expect(y == [-1.5, 0, -2])
        #expect(BLAS.dot([1, 2, 3], [4, 5, 6]) == 32)
        #expect(BLAS.nrm2([3, 4]) == 5)
        #expect(BLAS.nrm2([1e300, 1e300]) == 1e300 * 2.0.squareRoot(), "no overflow")
        #expect(BLAS.asum([-1, 2, -3]) == 6)
        #expect(BLAS.nrm2([]) == 0 && BLAS.asum([]) == 0)
    }

    @Test("LAPACK failures throw typed errors instead of returning garbage")
    func errors() {
        let indefinite = Matrix([[1, 2], [2, 1]])
        let notPD = #expect(throws: LinearAlgebraError.self) { try LAPACK.choleskySolve(indefinite, [1, 1]) }
        #expect(notPD?.routine == "dposv")
        #expect(notPD?.info == 2)
        #expect(notPD?.description == "dposv: the matrix is not positive definite (leading minor of order 2)")
        let nan = #expect(throws: LinearAlgebraError.self) {
            try LAPACK.minimumNormLeastSquares(Matrix([[1, .nan]]), [1])
        }
        #expect(nan?.description == "dgelsd: A contains NaN or infinity")
        #expect(throws: LinearAlgebraError.self) { try LAPACK.thinSVD(Matrix([[.infinity]])) }
        #expect(throws: LinearAlgebraError.self) { try LAPACK.symmetricEigen(Matrix([[.nan]])) }
    }

    @Test("rank-deficient least squares returns the minimum-norm solution and the rank")
    func rankDeficient() throws {
        // Two identical columns: the minimum-norm solution splits the weight evenly.
        let a = Matrix([[1, 1], [2, 2], [3, 3]])
        let result = try LAPACK.minimumNormLeastSquares(a, Matrix(column: [2, 4, 6]))
        #expect(result.rank == 1)
        #expect(maxAbsoluteDifference(result.solution.storage, [1, 1]) < 1e-14)
    }

    // Setting the thread count is tested in a process of its own (the run log
    // of every engine test reads it back): it is process-wide, and other
    // suites multiply matrices meanwhile.
    @Test("OpenBLAS reports its threads, processors and configuration")
    func threads() {
        #expect(BLAS.threadCount >= 1)
        #expect(BLAS.processorCount >= 1)
        #expect(BLAS.configuration.contains("OpenBLAS"))
    }
}
