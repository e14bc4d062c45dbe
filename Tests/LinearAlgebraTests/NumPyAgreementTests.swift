import HDF5
import LinearAlgebra
import Testing
import TestSupport

/// BLAS and LAPACK through regime agree with NumPy to 1e-12 relative on random
/// problems of several shapes, including d > n. Both sides round differently
/// (different BLAS kernels, summation orders), so exact equality is not the
/// contract; 1e-12 is about 10⁴ ulps, far below any error that would matter and
/// far above the 1e-15 to 1e-14 differences seen on these well-conditioned problems.
@Suite("LinearAlgebra agrees with NumPy")
struct NumPyAgreementTests {
    static let tolerance = 1e-12

    struct Problem {
        let group: Group
        func matrix(_ name: String) throws -> Matrix {
            let set = try group.openDataset(name)
            let shape = try set.shape
            return Matrix(rows: shape[0], columns: shape.count > 1 ? shape[1] : 1, storage: try set.readDoubles())
        }
        func vector(_ name: String) throws -> [Double] { try group.openDataset(name).readDoubles() }
        func scalar(_ name: String) throws -> Double { try group.openDataset(name).readDoubles()[0] }
    }

    /// Runs the NumPy script once per test and calls `check` for every shape.
    func forEachShape(_ check: (String, Problem) throws -> Void) throws {
        let dir = try TemporaryDirectory("numpy")
        let path = dir.file("problems.h5")
        _ = try Python.run("numpy_linalg.py", [path])
        let file = try File.open(path)
        defer { try? file.close() }
        let names = try file.memberNames()
        #expect(names.count == 6)
        for name in names { try check(name, Problem(group: try file.openGroup(name))) }
    }

    @Test("gemm and gemv with every transpose flag, scaling, and the level-1 calls")
    func products() throws {
        try forEachShape { shape, p in
            let a = try p.matrix("A"), b = try p.matrix("B"), bt = try p.matrix("Bt")
            #expect(relativeDistance(BLAS.product(a, b).storage, try p.vector("ab")) < Self.tolerance, "\(shape) AB")
            #expect(relativeDistance(BLAS.product(a, .none, bt, .transpose).storage, try p.vector("abt")) < Self.tolerance, "\(shape) ABtᵀ")
            #expect(relativeDistance(BLAS.product(a, .transpose, a, .none).storage, try p.vector("ata")) < Self.tolerance, "\(shape) AᵀA")
            var c = try p.matrix("C0")
            BLAS.gemm(a, b, alpha: 0.5, beta: 2, into: &c)
            #expect(relativeDistance(c.storage, try p.vector("scaled")) < Self.tolerance, "\(shape) αAB + βC")
            #expect(relativeDistance(BLAS.product(a, .none, try p.vector("x")), try p.vector("ax")) < Self.tolerance, "\(shape) Ax")
            #expect(relativeDistance(BLAS.product(a, .transpose, try p.vector("xm")), try p.vector("atxm")) < Self.tolerance, "\(shape) Aᵀx")
            let x = try p.vector("x"), x2 = try p.vector("x2")
            #expect(abs(BLAS.dot(x, x2) - (try p.scalar("dot"))) <= Self.tolerance * max(1, BLAS.nrm2(x) * BLAS.nrm2(x2)))
            #expect(abs(BLAS.nrm2(x) - (try p.scalar("nrm2"))) <= Self.tolerance * (try p.scalar("nrm2")))
            #expect(abs(BLAS.asum(x) - (try p.scalar("asum"))) <= Self.tolerance * (try p.scalar("asum")))
        }
    }

    @Test("Cholesky solve (dposv)")
    func cholesky() throws {
        try forEachShape { shape, p in
            let solution = try LAPACK.choleskySolve(try p.matrix("spd"), try p.matrix("rhs"))
            #expect(relativeDistance(solution.storage, try p.vector("posv")) < Self.tolerance, "\(shape)")
        }
    }

    @Test("minimum-norm least squares (dgelsd) matches lstsq and the pseudo-inverse, for d > n too")
    func leastSquares() throws {
        try forEachShape { shape, p in
            let a = try p.matrix("A")
            let solution = try LAPACK.minimumNormLeastSquares(a, try p.vector("b"))
            #expect(relativeDistance(solution, try p.vector("lstsq")) < Self.tolerance, "\(shape) vs lstsq")
            #expect(relativeDistance(solution, try p.vector("pinv_b")) < Self.tolerance, "\(shape) vs pinv")
        }
    }

    @Test("symmetric eigendecomposition (dsyevd): values, and vectors up to sign")
    func eigen() throws {
        try forEachShape { shape, p in
            let sym = try p.matrix("sym")
            let (values, vectors) = try LAPACK.symmetricEigen(sym)
            let expectedValues = try p.vector("eig_values")
            #expect(maxAbsoluteDifference(values, expectedValues) <= Self.tolerance * expectedValues.map(abs).max()!, "\(shape)")
            #expect(relativeDistance(aligningSigns(vectors, to: try p.matrix("eig_vectors")).storage,
                                     try p.vector("eig_vectors")) < 1e-10, "\(shape) vectors")
        }
    }

    @Test("thin SVD (dgesdd): singular values, factors up to sign, reconstruction")
    func svd() throws {
        try forEachShape { shape, p in
            let a = try p.matrix("A")
            let svd = try LAPACK.thinSVD(a)
            let s = try p.vector("svd_s")
            #expect(maxAbsoluteDifference(svd.singularValues, s) <= Self.tolerance * s[0], "\(shape)")
            #expect(relativeDistance(aligningSigns(svd.u, to: try p.matrix("svd_u")).storage, try p.vector("svd_u")) < 1e-10)
            #expect(relativeDistance(aligningSigns(svd.vt.transposed, to: try p.matrix("svd_vt").transposed).storage,
                                     try p.matrix("svd_vt").transposed.storage) < 1e-10)
            var scaled = svd.u
            for i in 0..<scaled.rows { for j in 0..<scaled.columns { scaled[i, j] *= svd.singularValues[j] } }
            #expect(relativeDistance(BLAS.product(scaled, svd.vt).storage, a.storage) < Self.tolerance, "\(shape) UΣVᵀ = A")
        }
    }

    /// Flips the sign of each column of `m` to agree with `reference` (singular
    /// and eigenvectors are defined up to sign).
    private func aligningSigns(_ m: Matrix, to reference: Matrix) -> Matrix {
        var result = m
        for j in 0..<m.columns where BLAS.dot(m.column(j), reference.column(j)) < 0 {
            for i in 0..<m.rows { result[i, j] = -result[i, j] }
        }
        return result
    }
}
