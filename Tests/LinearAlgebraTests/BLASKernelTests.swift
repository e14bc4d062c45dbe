import Foundation
import LinearAlgebra
import Testing
import TestSupport

/// OpenBLAS is checked, not trusted: its products against long double, and
/// the choice of kernels regime makes when OpenBLAS does not know the CPU.
@Suite("BLAS kernels")
struct BLASKernelTests {
    @Test("the kernels in use compute 3,000 random products of every transpose pair within the long-double bound")
    func kernelAgainstLongDouble() {
        let report = BLASKernel.check(products: 3000)
        #expect(report.products == 3000)
        #expect(report.mismatches.isEmpty, "\(BLASKernel.current): \(report.mismatches.prefix(3))")
        // The products are not trivially exact: rounding shows, well inside the bound.
        #expect(report.largestRatio > 1e-4 && report.largestRatio < 1)
    }

    @Test("a wrong product is caught: a lost term, single precision, β ignored, a write past the row")
    func wrongKernelsAreCaught() {
        typealias Gemm = BLASKernel.Gemm
        let lostTerm: Gemm = { ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc in
            // The last term of every dot product dropped (k − 1 terms).
            BLAS.gemm(ta, tb, m: m, n: n, k: max(k - 1, 0), alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
        }
        let single: Gemm = { ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc in
            BLAS.gemm(ta, tb, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
            for i in 0..<m { for j in 0..<n { c[i * ldc + j] = Double(Float(c[i * ldc + j])) } }
        }
        let noBeta: Gemm = { ta, tb, m, n, k, alpha, a, lda, b, ldb, _, c, ldc in
            BLAS.gemm(ta, tb, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: 0, c: c, ldc: ldc)
        }
        let pastRow: Gemm = { ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc in
            BLAS.gemm(ta, tb, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
            if ldc > n, m > 0 { c[n] += 1 }
        }
        for (name, gemm) in [("lost term", lostTerm), ("single precision", single), ("β ignored", noBeta), ("past the row", pastRow)] {
            let report = BLASKernel.check(products: 200, using: gemm)
            #expect(report.mismatches.count > 20, "\(name): \(report.mismatches.count) of 200 caught")
        }
    }

    @Test("regime asks for AVX-512 or AVX2 kernels only when OpenBLAS fell back to generic ones")
    func preferredCore() {
        let avx512: Set = ["sse2", "avx", "avx2", "fma", "avx512f", "avx512dq", "avx512bw", "avx512vl", "avx512cd"]
        #expect(BLASKernel.preferredCore(current: "Prescott", cpuFlags: avx512) == "SkylakeX")
        #expect(BLASKernel.preferredCore(current: "Prescott", cpuFlags: ["sse2", "avx", "avx2", "fma"]) == "Haswell")
        #expect(BLASKernel.preferredCore(current: "Core2", cpuFlags: ["sse2", "avx2", "fma", "avx512f"]) == "Haswell")
        #expect(BLASKernel.preferredCore(current: "Prescott", cpuFlags: ["sse2", "sse3"]) == nil)
        #expect(BLASKernel.preferredCore(current: "Prescott", cpuFlags: nil) == nil)
        // OpenBLAS's own choice of a real kernel set (or the user's) stands.
        #expect(BLASKernel.preferredCore(current: "Haswell", cpuFlags: avx512) == nil)
        #expect(BLASKernel.preferredCore(current: "Zen", cpuFlags: avx512) == nil)
        #expect(BLASKernel.preferredCore(current: "SkylakeX", cpuFlags: avx512) == nil)
    }

    @Test("the CPU's flags are read from /proc/cpuinfo's first flags line")
    func cpuFlags() throws {
        let directory = try TemporaryDirectory("cpuinfo")
        let path = directory.file("cpuinfo")
        try "processor\t: 0\nmodel name\t: Test CPU\nflags\t\t: fpu sse2 avx2 fma avx512f\nbugs\t\t: none\n\nprocessor\t: 1\nflags\t\t: fpu\n"
            .write(toFile: path, atomically: true, encoding: .utf8)
        #expect(BLASKernel.cpuFlags(path: path) == ["fpu", "sse2", "avx2", "fma", "avx512f"])
        #expect(BLASKernel.cpuFlags(path: directory.file("absent")) == nil)
    }
}
