import ArgumentParser
import Foundation
import HDF5
import LinearAlgebra

/// `regime doctor`: the numerical libraries a run would use, and whether
/// OpenBLAS's products are right on this machine.
struct Doctor: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the BLAS and HDF5 a run uses and check OpenBLAS's matrix products against long double.",
        discussion: """
        Every run checks 256 small products before it computes anything; doctor checks as many as you ask. \
        Exit 1 when a product is wrong.
        """)

    @Option(help: "How many random matrix products to check (every transpose pair, sides from 1 to 191).")
    var products = 3000

    func validate() throws {
        if products < 1 { throw ValidationError("--products must be at least 1") }
    }

    func run() throws {
        BLASKernel.restartWithPreferredKernels()
        let flags = BLASKernel.cpuFlags() ?? []
        let avx512 = ["avx512f", "avx512dq", "avx512bw", "avx512vl", "avx512cd"].allSatisfy(flags.contains)
        let avx2 = ["avx2", "fma"].allSatisfy(flags.contains)
        print("BLAS:    \(BLAS.configuration)")
        print("kernels: \(BLASKernel.current)" + (BLASKernel.replacedFallback.map {
            " (chosen by regime: OpenBLAS does not know this CPU and would run \($0))"
        } ?? (ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"].map { " (OPENBLAS_CORETYPE=\($0))" } ?? "")))
        print("CPU:     \(ProcessInfo.processInfo.activeProcessorCount) cores; AVX-512 \(avx512 ? "yes" : "no"), AVX2 and FMA \(avx2 ? "yes" : "no")")
        print("HDF5:    \(HDF5Library.version)")
        let report = BLASKernel.check(products: products)
        if report.mismatches.isEmpty {
            print(String(format: "dgemm:   %d products against long double, all within their bound (largest error %.3g of it)",
                         report.products, report.largestRatio))
        } else {
            print("dgemm:   \(report.mismatches.count) of \(report.products) products wrong")
            for mismatch in report.mismatches.prefix(5) { print("         \(mismatch)") }
            throw ExitCode(1)
        }
    }
}
