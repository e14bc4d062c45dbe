import Datasets
import Foundation
import Learning
import LinearAlgebra
import Testing
import TestSupport

@Suite("a fit batch: references, the exact closed form, the asymptotic risk")
struct FitBatchTests {
    @Test("exact points are the closed forms, matched references are per point, the asymptotic risk is where it applies")
    func batch() throws {
        let data = Dataset.synthesize(SynthesisSpec(rows: 30, features: 50, truth: .dense(norm: 1), noise: 0.5),
                                      stream: RandomStream(seed: 3).derived("data"))
        let specs = [0.0, 0.1].map { lambda in
            FitSpec(model: .linear, initScale: 0, penalty: Penalty(l2: lambda), method: .exact, stopping: Stopping(steps: 0))
        }
        let outcome = try FitBatch(train: data, test: nil, points: specs,
                                   initStreams: specs.indices.map { RandomStream(seed: 1).derived("p\($0)") },
                                   orderStream: RandomStream(seed: 1), matchedReferences: [.ridge, .minL2FromInit]).run()
        let results = outcome.output.results
        #expect(relativeDistance(results[0].weights, try MinimumNorm.solve(data.x, data.y)) < 1e-12)
        #expect(relativeDistance(results[1].weights, try Ridge.solve(data.x, data.y, lambda: 0.1)) < 1e-12)
        // min_l2_init comes first, then the others in the order asked.
        #expect(outcome.matchedReferences.map(\.name) == ["min_l2_init", "ridge"])
        let ridge = outcome.matchedReferences[1].weights
        #expect(relativeDistance(ridge[1], try Ridge.solve(data.x, data.y, lambda: 0.1)) < 1e-12)
        let risk = try #require(outcome.output.metricNames.firstIndex(of: "asymptotic_risk"))
        // γ = 50/30: σ² + r²(1 − 1/γ) + σ²/(γ − 1) (Hastie et al. 2019), for the unpenalized point only.
        let gamma = 50.0 / 30.0
        #expect(abs(results[0].metrics[risk] - (0.25 + (1 - 1 / gamma) + 0.25 / (gamma - 1))) < 1e-12)
        #expect(results[1].metrics[risk].isNaN)
        #expect(results.allSatisfy { $0.stopReason == .solved } && results.count == 2)
    }

    @Test("a reference that cannot be solved names itself")
    func failingReference() {
        let data = Dataset(x: Matrix(rows: 2, columns: 2, storage: [1, 0, 0, 1]), y: [1, 2])
        let spec = FitSpec(model: .diagonal(depth: 2), initScale: 0.5, stopping: Stopping(steps: 1))
        var points = [spec]
        points[0].initScale = 0  // q_alpha at α = 0 is undefined (and the point invalid)
        let error = #expect(throws: LearningError.self) {
            try FitBatch(train: data, test: nil, points: points, initStreams: [RandomStream(seed: 1)], orderStream: RandomStream(seed: 1),
                         matchedReferences: [.qAlpha]).run()
        }
        #expect(error?.message.hasPrefix("reference q_alpha: q_alpha: alpha must be positive") == true, "\(error?.message ?? "")")
    }
}
