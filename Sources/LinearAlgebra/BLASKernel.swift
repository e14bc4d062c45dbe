import CBLAS

#if canImport(Glibc)
import Glibc
#endif

/// Which of OpenBLAS's kernel sets runs regime's products, and whether they
/// compute what they should.
///
/// OpenBLAS built with DYNAMIC_ARCH picks its kernels from the CPU when the
/// library loads. A release that does not know a newer CPU falls back to its
/// generic x86-64 kernels (Debian 12's 0.3.21 runs "Prescott" on Sapphire and
/// Emerald Rapids Xeons: about a fifth of the AVX-512 kernels' rate). The
/// choice is made once per process, before anything runs, from
/// `OPENBLAS_CORETYPE`; `preferredCore` says which kernels this CPU should
/// run when OpenBLAS fell back, and the CLI restarts itself with them
/// (docs/architecture.md, "BLAS kernels"). A value the user set is never
/// overridden.
public enum BLASKernel {
    /// The kernel set OpenBLAS runs in this process ("SkylakeX", "Haswell", …).
    public static var current: String { String(cString: openblas_get_corename()) }

    /// The kernel set OpenBLAS chose itself and regime replaced (the CLI's
    /// restart records it in REGIME_BLAS_FALLBACK), or nil.
    public static var replacedFallback: String? {
        guard let value = getenv(replacedVariable) else { return nil }
        return String(cString: value)
    }

    /// The environment variable a restart records OpenBLAS's own choice in.
    public static let replacedVariable = "REGIME_BLAS_FALLBACK"

    /// When OpenBLAS fell back to its generic kernels on a CPU it does not
    /// know, restarts this program with the kernel set the CPU supports
    /// (`preferredCore`). OpenBLAS reads OPENBLAS_CORETYPE only when it loads,
    /// so the choice takes a new process image: execv of the same binary with
    /// the same arguments — call it before anything is read or written. A value
    /// the user set (even empty) is kept; a failed exec goes on with the fallback.
    public static func restartWithPreferredKernels() {
        guard getenv("OPENBLAS_CORETYPE") == nil, let core = preferredCore() else { return }
        setenv("OPENBLAS_CORETYPE", core, 1)
        setenv(replacedVariable, current, 1)
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        unsetenv("OPENBLAS_CORETYPE")
        unsetenv(replacedVariable)
    }

    /// The cores OpenBLAS falls back to when it does not recognize a CPU:
    /// generic x86-64 kernels without AVX.
    static let fallbackCores: Set<String> = ["prescott", "core2", "katmai", "coppermine", "northwood", "banias", "penryn",
                                             "dunnington", "atom"]

    /// The kernel set to ask OpenBLAS for, or nil to keep its own choice: only
    /// when it runs a generic fallback on a CPU (per /proc/cpuinfo's flags,
    /// which list what the kernel enabled) with AVX-512 (SkylakeX) or AVX2 and
    /// FMA (Haswell).
    public static func preferredCore(current: String = current, cpuFlags: Set<String>? = cpuFlags()) -> String? {
        guard fallbackCores.contains(current.lowercased()), let flags = cpuFlags else { return nil }
        if ["avx512f", "avx512dq", "avx512bw", "avx512vl", "avx512cd"].allSatisfy(flags.contains) { return "SkylakeX" }
        if ["avx2", "fma"].allSatisfy(flags.contains) { return "Haswell" }
        return nil
    }

    /// The CPU's feature flags from /proc/cpuinfo (first processor), or nil.
    public static func cpuFlags(path: String = "/proc/cpuinfo") -> Set<String>? {
        guard let file = fopen(path, "r") else { return nil }
        defer { fclose(file) }
        var line: UnsafeMutablePointer<CChar>?
        var capacity = 0
        defer { free(line) }
        while getline(&line, &capacity, file) > 0, let line {
            let text = String(cString: line)
            guard text.hasPrefix("flags") else { continue }
            guard let colon = text.firstIndex(of: ":") else { return nil }
            return Set(text[text.index(after: colon)...].split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" })
                .map(String.init))
        }
        return nil
    }

    // MARK: The gemm check

    /// One product that disagreed with the long-double reference.
    public struct Mismatch: Sendable, CustomStringConvertible {
        public var transA: Transpose, transB: Transpose
        public var m: Int, n: Int, k: Int
        public var row: Int, column: Int
        public var value: Double, reference: Double, bound: Double

        public var description: String {
            let op = (transA == .none ? "N" : "T") + (transB == .none ? "N" : "T")
            return "dgemm \(op) m=\(m) n=\(n) k=\(k): C[\(row),\(column)] = \(value), the long-double reference \(reference) (allowed error \(bound))"
        }
    }

    /// What a check found: how many products it compared, which disagreed, and
    /// the largest error seen as a fraction of its bound.
    public struct CheckReport: Sendable {
        public var products = 0
        public var mismatches: [Mismatch] = []
        public var largestRatio = 0.0
    }

    /// The error a run stops with when the check finds wrong products.
    public struct WrongResults: Error, CustomStringConvertible {
        public var report: CheckReport

        public init(report: CheckReport) { self.report = report }

        public var description: String {
            let first = report.mismatches.first.map { "; first: \($0)" } ?? ""
            let advice = BLASKernel.replacedFallback.map {
                "set OPENBLAS_CORETYPE=\($0) to run OpenBLAS's own choice instead"
            } ?? "set OPENBLAS_CORETYPE to another kernel set (e.g. Haswell), or install another OpenBLAS"
            return "OpenBLAS (\(BLASKernel.current) kernels) computed \(report.mismatches.count) of \(report.products) "
                + "checked matrix products wrongly\(first); regime will not train with it: \(advice)"
        }
    }

    /// Compares `products` random dgemm calls — shapes up to `largest` in each
    /// dimension (with a few degenerate ones: 1, and k = 0), every transpose
    /// pair, padded leading dimensions, α and β ≠ 0 — against the same products
    /// in long double (Float80). An entry is wrong when it differs from the
    /// reference by more than (k + 2)·2ε·(|α|·Σ|a||b| + |β|·|c|), twice the
    /// classical bound of a dot product of length k; kernels with FMA round
    /// less than that, a kernel with a wrong index or a lost term far more.
    /// A dgemm with BLAS.gemm's arguments: the check's subject.
    public typealias Gemm = (Transpose, Transpose, Int, Int, Int, Double, UnsafePointer<Double>, Int, UnsafePointer<Double>, Int,
                             Double, UnsafeMutablePointer<Double>, Int) -> Void

    public static func check(products: Int, largest: Int = 48, seed: UInt64 = 0x5EED,
                             using gemm: Gemm = { BLAS.gemm($0, $1, m: $2, n: $3, k: $4, alpha: $5, a: $6, lda: $7, b: $8, ldb: $9,
                                                            beta: $10, c: $11, ldc: $12) }) -> CheckReport {
        var random = SplitMix(seed)
        var report = CheckReport()
        let transposes: [(Transpose, Transpose)] = [(.none, .none), (.transpose, .none), (.none, .transpose), (.transpose, .transpose)]
        for index in 0..<products {
            let (transA, transB) = transposes[index % 4]
            func size() -> Int {
                switch random.next() % 16 {
                case 0: return 1
                case 1: return largest + Int(random.next() % UInt64(3 * largest))  // past the kernels' block sizes
                default: return 1 + Int(random.next() % UInt64(largest))
                }
            }
            let m = size(), n = size()
            let k = index % 97 == 5 ? 0 : size()
            let alpha = [1.0, -0.5, 1.75][index % 3], beta = [0.0, 1.0, -2.5][(index / 3) % 3]
            // Row-major storage of op(A) = A or Aᵀ, with a padded leading dimension.
            let (aRows, aColumns) = transA == .none ? (m, k) : (k, m)
            let (bRows, bColumns) = transB == .none ? (k, n) : (n, k)
            let lda = max(aColumns, 1) + Int(random.next() % 3), ldb = max(bColumns, 1) + Int(random.next() % 3)
            let ldc = n + Int(random.next() % 3)
            let a = (0..<(max(aRows, 1) * lda)).map { _ in random.uniform() }
            let b = (0..<(max(bRows, 1) * ldb)).map { _ in random.uniform() }
            let c0 = (0..<(m * ldc)).map { _ in random.uniform() }
            var c = c0
            a.withUnsafeBufferPointer { pa in
                b.withUnsafeBufferPointer { pb in
                    c.withUnsafeMutableBufferPointer { pc in
                        gemm(transA, transB, m, n, k, alpha, pa.baseAddress!, lda, pb.baseAddress!, ldb, beta, pc.baseAddress!, ldc)
                    }
                }
            }
            report.products += 1
            let epsilon = Double.ulpOfOne
            entries: for i in 0..<m {
                for j in 0..<n {
                    var exact: Wide = 0, magnitude: Wide = 0
                    for l in 0..<k {
                        let x = Wide(transA == .none ? a[i * lda + l] : a[l * lda + i])
                        let y = Wide(transB == .none ? b[l * ldb + j] : b[j * ldb + l])
                        exact += x * y
                        magnitude += abs(x * y)
                    }
                    let previous = Wide(c0[i * ldc + j])
                    let reference = Wide(alpha) * exact + Wide(beta) * previous
                    let scale = Double(abs(Wide(alpha)) * magnitude + abs(Wide(beta)) * abs(previous))
                    let bound = Double(k + 2) * 2 * epsilon * scale
                    let error = abs(c[i * ldc + j] - Double(reference))
                    if scale > 0 { report.largestRatio = max(report.largestRatio, error / bound) }
                    if !(error <= bound) {
                        report.mismatches.append(Mismatch(transA: transA, transB: transB, m: m, n: n, k: k, row: i, column: j,
                                                          value: c[i * ldc + j], reference: Double(reference), bound: bound))
                        break entries
                    }
                }
            }
            // The padding between rows of C must be left alone.
            for i in 0..<m {
                for j in n..<ldc where !(c[i * ldc + j] == c0[i * ldc + j]) {
                    report.mismatches.append(Mismatch(transA: transA, transB: transB, m: m, n: n, k: k, row: i, column: j,
                                                      value: c[i * ldc + j], reference: c0[i * ldc + j], bound: 0))
                }
            }
        }
        return report
    }
}

/// The reference's precision: x87 long double where it exists (64-bit
/// significand: its rounding errors are 2¹¹ times smaller than a double's).
#if arch(x86_64) || arch(i386)
typealias Wide = Float80
#else
typealias Wide = Double
#endif

/// SplitMix64: the check's operands, reproducible from a seed.
struct SplitMix {
    var state: UInt64
    init(_ seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform on [−1, 1).
    mutating func uniform() -> Double { Double(next() >> 11) * 0x1p-52 - 1 }
}
