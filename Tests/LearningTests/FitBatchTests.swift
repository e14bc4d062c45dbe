import Base
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

/// One SVD per data set serves a whole λ path, across batches.
@Suite("the shared factorization")
struct SpectrumTests {
    @Test("a 40-λ ridge path from one SVD equals scikit-learn's Ridge at every λ, on wide and tall data, to 1e-10")
    func ridgePath() throws {
        let lambdas = (0..<40).map { pow(10, -6 + 8 * Double($0) / 39) }
        for (n, d) in [(30, 90), (90, 30)] {
            let data = Dataset.synthesize(SynthesisSpec(rows: n, features: d, truth: .dense(norm: 1), noise: 0.3),
                                          stream: RandomStream(seed: 9).derived("\(n)x\(d)"))
            let path = try LinearSpectrum(data.x, data.y).ridge(lambdas: lambdas)
            let reference = try #require(pythonReference("ridge", x: data.x, y: data.y, lambdas: lambdas)["w"])
            for (index, w) in path.enumerated() {
                let expected = Array(reference[(index * d)..<((index + 1) * d)])
                #expect(relativeDistance(w, expected) < 1e-10, "n=\(n) d=\(d) λ=\(lambdas[index])")
            }
        }
    }

    @Test("λ = 0 is X⁺y and the start-matched interpolant is w₀ + X⁺(y − Xw₀), as dgelsd gives them")
    func minimumNorm() throws {
        let data = Dataset.synthesize(SynthesisSpec(rows: 25, features: 70, truth: .dense(norm: 1), noise: 0.1),
                                      stream: RandomStream(seed: 4))
        let spectrum = try LinearSpectrum(data.x, data.y)
        #expect(relativeDistance(spectrum.ridge(lambdas: [0])[0], try MinimumNorm.solve(data.x, data.y)) < 1e-12)
        var stream = RandomStream(seed: 5)
        let start = (0..<70).map { _ in stream.nextGaussian() }
        let matched = spectrum.minimumNorm(x: data.x, y: data.y, from: [start])[0]
        #expect(relativeDistance(matched, try MinimumNorm.solve(data.x, data.y, from: start)) < 1e-12)
    }

    @Test("batches of one data set share one SVD, computed once even when they ask at the same time")
    func sharedAcrossBatches() throws {
        let data = Dataset.synthesize(SynthesisSpec(rows: 20, features: 60, truth: .dense(norm: 1), noise: 0.1),
                                      stream: RandomStream(seed: 6))
        let cache = SpectrumCache()
        let spectra = Locked<[ObjectIdentifier]>([])
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            if let spectrum = try? cache.spectrum(key: "data", x: data.x, y: data.y) {
                spectra.withLock { $0.append(ObjectIdentifier(spectrum)) }
            }
        }
        #expect(spectra.withLock { $0.count } == 8 && Set(spectra.withLock { $0 }).count == 1 && cache.count == 1)
        // Four exact batches of a λ path through the cache: one SVD, and each
        // batch's weights equal the path's.
        let lambdas = (0..<12).map { pow(10, -4 + Double($0) / 3) }
        let path = try cache.spectrum(key: "data", x: data.x, y: data.y).ridge(lambdas: lambdas)
        for batch in 0..<4 {
            let specs = lambdas[(batch * 3)..<(batch * 3 + 3)].map {
                FitSpec(model: .linear, initScale: 0, penalty: Penalty(l2: $0), method: .exact, stopping: Stopping(steps: 0))
            }
            var fit = FitBatch(train: data, test: nil, points: specs, initStreams: specs.map { _ in RandomStream(seed: 1) },
                               orderStream: RandomStream(seed: 1))
            fit.spectrum = { x, y in try cache.spectrum(key: "data", x: x, y: y) }
            let results = try fit.run().output.results
            for (row, result) in results.enumerated() { #expect(bitIdentical(result.weights, path[batch * 3 + row])) }
        }
        #expect(cache.count == 1)
        cache.remove(key: "data")
        #expect(cache.count == 0)
    }
}
