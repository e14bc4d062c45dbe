// regime-bench: measurements of regime's own speed, printed as JSON lines for
// bench/run.py, which runs the peers in the same session and prints ratios.
//
//   regime-bench w1 [--threads T] [--batches B] [--reps R]
//                     the batched trainer on the W1 workload (issue 3), next to
//                     its products as bare dgemm calls, at 1 and 2 threads (or T
//                     only; at 2 threads in 1 batch × 2 BLAS threads and in 2
//                     batches × 1, or B batches only), the best of R runs (3).
//   regime-bench dgemm [--threads T] [--openblas-choice]
//                     the square 2000 × 2000 dgemm rate alone (the kernels' peak).
//   regime-bench flow DIR [--gd-steps N] [--tol T]
//                     kernel-rich's diagonal model on DIR/train.h5 at α ∈ {0.001,
//                     0.01, 0.1} and depths 2 and 3, one point at a time on one
//                     BLAS thread: method flow and GD at lr auto, each until
//                     ‖Xw − y‖ ≤ T·‖y‖ (1e-6) or, for GD, N steps (2,000,000):
//                     seconds and n·d-sized products per point (issue 10).
//
// Like `regime run`, regime-bench first restarts itself with the kernel set the
// CPU supports when OpenBLAS fell back to its generic kernels on a CPU it does
// not know (BLASKernel.restartWithPreferredKernels), so that it measures the kernels
// regime runs; --openblas-choice keeps OpenBLAS's own choice instead.
import Datasets
import Dispatch
import Foundation
import Learning
import LinearAlgebra

/// W1: 64 points of the depth-2 diagonal model, α over logspace(−3, 0, 16) ×
/// λ ∈ {0, 1e−4, 1e−3, 1e−2}, step 0.01, n = 200, d = 2000, 1000 test rows,
/// 2000 steps, metrics recorded every 20 steps.
struct W1 {
    static let n = 200, d = 2000, testRows = 1000, steps = 2000, every = 20
    let problem: FitProblem
    let points: [FitSpec]

    init() {
        var data = Dataset.synthesize(SynthesisSpec(rows: W1.n + W1.testRows, features: W1.d,
                                                    truth: .sparse(k: 10, value: 1, randomSigns: true), noise: 0.1),
                                      stream: RandomStream(seed: 1).derived("w1"))
        // The workload records the objective, test MSE and norms only: no truth.
        data.truth = nil
        data.design = nil
        let train = data.selectingRows(Array(0..<W1.n)), test = data.selectingRows(Array(W1.n..<(W1.n + W1.testRows)))
        problem = FitProblem(train: train, test: test)
        let alphas = (0..<16).map { pow(10, -3 + 3 * Double($0) / 15) }
        points = alphas.flatMap { alpha in
            [0, 1e-4, 1e-3, 1e-2].map { lambda in
                FitSpec(model: .diagonal(depth: 2), initScale: alpha, penalty: Penalty(l2: lambda),
                        learningRate: .fixed(0.01), stopping: Stopping(steps: W1.steps), recordEvery: W1.every)
            }
        }
    }

    /// The gemm work: per step P = X·W (n × d × K) and G = XᵀR (d × n × K); per
    /// record the test predictions (m × d × K).
    static func flops(points: Int) -> Double {
        let perStep = 2.0 * 2 * Double(n * d * points)
        let perRecord = 2.0 * Double(testRows * d * points)
        return perStep * Double(steps) + perRecord * Double(steps / every + 1)
    }

    /// Trains the points in `batches` equal batches, the batches in parallel.
    func train(batches: Int) -> Double {
        let size = points.count / batches
        let start = DispatchTime.now()
        DispatchQueue.concurrentPerform(iterations: batches) { batch in
            let slice = Array(points[(batch * size)..<((batch + 1) * size)])
            let streams = slice.indices.map { RandomStream(seed: 1).derived("point \($0)") }
            let trainer = try! Trainer(problem: problem, points: slice, initStreams: streams)
            _ = trainer.run()
        }
        return Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
    }

    /// The trainer's products as two whole-matrix dgemm calls per step (P = X·W,
    /// G = XᵀP/n) and the test set's every record, with nothing in between, in
    /// `streams` parallel streams of K = 64/streams columns. The trainer makes
    /// the same products in blocks of 256 rows of W, fused with its update
    /// (Trainer.fusedStep); this is the plain way to make them.
    func bareGemm(streams: Int) -> Double {
        let width = points.count / streams
        let x = problem.train.x.storage, xTest = problem.test!.x.storage
        let start = DispatchTime.now()
        DispatchQueue.concurrentPerform(iterations: streams) { _ in
            let w = UnsafeMutablePointer<Double>.allocate(capacity: W1.d * width)
            w.initialize(repeating: 1e-3, count: W1.d * width)
            let g = UnsafeMutablePointer<Double>.allocate(capacity: W1.d * width)
            let p = UnsafeMutablePointer<Double>.allocate(capacity: W1.n * width)
            let t = UnsafeMutablePointer<Double>.allocate(capacity: W1.testRows * width)
            x.withUnsafeBufferPointer { xb in
                xTest.withUnsafeBufferPointer { tb in
                    for step in 0..<W1.steps {
                        BLAS.gemm(.none, .none, m: W1.n, n: width, k: W1.d, alpha: 1, a: xb.baseAddress!, lda: W1.d,
                                  b: w, ldb: width, beta: 0, c: p, ldc: width)
                        BLAS.gemm(.transpose, .none, m: W1.d, n: width, k: W1.n, alpha: 1.0 / Double(W1.n),
                                  a: xb.baseAddress!, lda: W1.d, b: p, ldb: width, beta: 0, c: g, ldc: width)
                        if step % W1.every == 0 {
                            BLAS.gemm(.none, .none, m: W1.testRows, n: width, k: W1.d, alpha: 1, a: tb.baseAddress!,
                                      lda: W1.d, b: w, ldb: width, beta: 0, c: t, ldc: width)
                        }
                    }
                }
            }
            w.deallocate(); g.deallocate(); p.deallocate(); t.deallocate()
        }
        return Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
    }
}

/// dgemm on square 2000 × 2000 matrices: the machine's peak, for context.
func squareGemmRate() -> Double {
    let size = 2000
    let a = Matrix(rows: size, columns: size, repeating: 0.5), b = Matrix(rows: size, columns: size, repeating: 0.25)
    var c = Matrix(rows: size, columns: size)
    BLAS.gemm(a, b, into: &c)
    let start = DispatchTime.now()
    for _ in 0..<5 { BLAS.gemm(a, b, into: &c) }
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
    return 5 * 2 * pow(Double(size), 3) / seconds / 1e9
}

func emit(_ fields: [String: Any]) {
    let data = try! JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys])
    print(String(decoding: data, as: UTF8.self))
}

var arguments = CommandLine.arguments.dropFirst()
if let flag = arguments.firstIndex(of: "--openblas-choice") {
    arguments.remove(at: flag)
} else {
    BLASKernel.restartWithPreferredKernels()
}
// `steps N`: one small batch with every metric, trained N steps — run under
// valgrind for N = 100 and N = 10000 to see that the step loop allocates nothing.
if arguments.first == "steps", let count = arguments.dropFirst().first.flatMap({ Int($0) }) {
    let data = Dataset.synthesize(SynthesisSpec(rows: 60, features: 40, correlation: 0.3, noise: 0.1),
                                  stream: RandomStream(seed: 2))
    let split = data.split(testCount: 20, stream: RandomStream(seed: 3))
    let problem = FitProblem(split: split, references: [("min_l2", try! MinimumNorm.solve(split.train.x, split.train.y))])
    let points = [0.1, 0.5, 1.0].map {
        FitSpec(model: .diagonal(depth: 2), initScale: $0, penalty: Penalty(l2: 1e-3), stopping: Stopping(steps: count, rtol: 0),
                recordEvery: 10)
    }
    let output = try! Trainer(problem: problem, points: points, initStreams: points.indices.map { RandomStream(seed: UInt64($0)) }).run()
    print(output.results.map(\.steps))
    exit(0)
}
/// `flow DIR`: method flow against GD, point by point. Products are counted
/// in units of one n·d matrix-vector product: GD takes 2 per step (G = XᵀR/n and
/// P = X·W) and 1 at the start; the flow 2 per gradient evaluation (Xᵀs, X·w)
/// and per Jacobian 1 (Xᵀs) + 1 (X·diag(√w′)) + (n + 1)/2 (the dsyrk).
if arguments.first == "flow", let directory = arguments.dropFirst().first {
    var settings = ["--gd-steps": 2_000_000.0, "--tol": 1e-6]
    var rest = arguments.dropFirst(2)
    while let name = rest.first, settings[name] != nil, let value = rest.dropFirst().first.flatMap({ Double($0) }) {
        settings[name] = value
        rest = rest.dropFirst(2)
    }
    BLAS.threadCount = 1
    let train: Dataset
    do {
        train = try Dataset.loadHDF5(path: directory + "/train.h5", x: "/X", y: "/y").0
    } catch {
        FileHandle.standardError.write(Data("regime-bench: \(error)\n".utf8))
        exit(1)
    }
    let problem = FitProblem(train: train), n = Double(train.rows)
    let tol = settings["--tol"]!, budget = Int(settings["--gd-steps"]!)
    emit(["workload": "flow", "n": train.rows, "d": train.features, "tol": tol, "gd_steps": budget, "blas": BLAS.configuration])
    for depth in [2, 3] {
        for alpha in [0.001, 0.01, 0.1] {
            let flow = FitSpec(model: .diagonal(depth: depth), initScale: alpha, method: .flow(FlowTolerance()),
                               stopping: Stopping(steps: 1, residualTol: tol, timeBudget: 1e15))
            let gd = FitSpec(model: .diagonal(depth: depth), initScale: alpha, stopping: Stopping(steps: budget, residualTol: tol))
            var fields: [String: Any] = ["alpha": alpha, "depth": depth]
            for (name, spec) in [("flow", flow), ("gd", gd)] {
                let start = DispatchTime.now()
                let output = try! Trainer(problem: problem, points: [spec], initStreams: [RandomStream(seed: 0)]).run()
                let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
                let result = output.results[0]
                let products = name == "flow"
                    ? 2 * Double(result.evaluations) + Double(result.jacobians) * (2 + (n + 1) / 2)
                    : 2 * Double(result.steps) + 1
                fields[name] = ["seconds": seconds, "steps": result.steps, "evaluations": result.evaluations,
                                "jacobians": result.jacobians, "products": products, "stop": result.stopReason.rawValue,
                                "time": result.time, "weights": result.weights]
            }
            emit(fields)
        }
    }
    exit(0)
}
func usage() -> Never {
    FileHandle.standardError.write(Data("usage: regime-bench w1 [--threads T] [--batches B] [--reps R] | w1-header | dgemm [--threads T] [--openblas-choice] | steps N | flow DIR [--gd-steps N] [--tol T]\n".utf8))
    exit(64)
}
guard ["w1", "w1-header", "dgemm"].contains(arguments.first) else { usage() }
var options: [String: Int] = [:]
var rest = arguments.dropFirst()
while let name = rest.first {
    guard ["--threads", "--batches", "--reps"].contains(name), let value = rest.dropFirst().first.flatMap({ Int($0) }),
          value >= 1 else { usage() }
    options[String(name.dropFirst(2))] = value
    rest = rest.dropFirst(2)
}
let cores = ProcessInfo.processInfo.activeProcessorCount
if arguments.first == "dgemm" {
    let threads = options["threads"] ?? min(2, cores)
    BLAS.threadCount = threads
    emit(["threads": threads, "kind": "square dgemm", "gflops": squareGemmRate(), "blas": BLAS.configuration])
    exit(0)
}
let flops = W1.flops(points: 64)
emit(["workload": "w1", "gflop": flops / 1e9, "cores": cores, "blas": BLAS.configuration])
if arguments.first == "w1-header" { exit(0) }
let workload = W1()
let reps = options["reps"] ?? 3
let threadCounts = options["threads"].map { [$0] } ?? [1, min(2, cores)]
for threads in threadCounts where threads <= cores {
    BLAS.threadCount = threads
    emit(["threads": threads, "kind": "square dgemm", "gflops": squareGemmRate()])
    // One batch of 64 with `threads` BLAS threads, and (at 2 threads) two
    // batches of 32 on one BLAS thread each.
    let layouts = threads == 1 ? [(batches: 1, blas: 1)] : [(batches: 1, blas: threads), (batches: threads, blas: 1)]
    for layout in layouts where options["batches"].map({ $0 == layout.batches }) ?? true {
        BLAS.threadCount = layout.blas
        // Alternating, so that a busy moment on the machine does not favour either.
        var gemm = Double.infinity, trainer = Double.infinity
        for _ in 0..<reps {
            gemm = min(gemm, workload.bareGemm(streams: layout.batches))
            trainer = min(trainer, workload.train(batches: layout.batches))
        }
        emit(["threads": threads, "kind": "regime", "batches": layout.batches, "blas_threads": layout.blas,
              "seconds": trainer, "gflops": flops / trainer / 1e9,
              "gemm_seconds": gemm, "gemm_gflops": flops / gemm / 1e9, "fraction_of_gemm": gemm / trainer])
    }
}
