import Datasets
import Learning
import Testing
import TestSupport

/// CKernels' elementwise update (AVX-512, AVX2 or baseline, as the CPU
/// allows) against the generic Swift loop that defines it.
@Suite("compiled elementwise kernels")
struct KernelTests {
    @Test("squared and diagonal models (depths 2, 3, 5), with l2, weight decay and auto steps: the same bits as the Swift kernel")
    func sameBits() throws {
        let split = sparseProblem(n: 24, d: 61, k: 3, testRows: 10)  // 61 columns: not a multiple of any vector width
        let problem = FitProblem(split: split)
        var specs: [FitSpec] = []
        for model in [ModelKind.squared, .diagonal(depth: 2), .diagonal(depth: 3), .diagonal(depth: 5)] {
            for (scale, l2, decay) in [(0.1, 0.0, 0.0), (0.5, 0.01, 0.0), (1.0, 0.0, 0.02), (0.03, 0.003, 0.001)] {
                specs.append(FitSpec(model: model, initScale: scale, penalty: Penalty(l2: l2, weightDecay: decay),
                                     learningRate: .auto(scale: 1), stopping: Stopping(steps: 300), recordEvery: 50))
            }
        }
        // One batch per model (a batch shares its model); 7 columns each.
        for first in stride(from: 0, to: specs.count, by: 4) {
            var batch = Array(specs[first..<(first + 4)])
            batch += batch.prefix(3).map { spec in
                var copy = spec
                copy.learningRate = .fixed(0.01)
                return copy
            }
            let streams = batch.indices.map { RandomStream(seed: 9).derived("point \($0)") }
            let compiled = try Trainer(problem: problem, points: batch, initStreams: streams).run()
            let generic = try Trainer(problem: problem, points: batch, initStreams: streams, kernels: .generic).run()
            for (a, b) in zip(compiled.results, generic.results) {
                #expect(bitIdentical(a.weights, b.weights), "\(batch[0].model)")
                #expect(bitIdentical(a.metrics, b.metrics) && a.steps == b.steps)
                #expect(a.trajectory.indices.allSatisfy { bitIdentical(a.trajectory[$0], b.trajectory[$0]) })
            }
            // Training moved the weights far from where they started.
            #expect(compiled.results.allSatisfy { $0.metrics[0] < $0.trajectory[0][0] })
        }
    }
}
