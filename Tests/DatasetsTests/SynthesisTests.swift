import Datasets
import LinearAlgebra
import Testing
import TestSupport

@Suite("synthesize")
struct SynthesisTests {
    let stream = RandomStream(seed: 7).derived("data")

    @Test("noiseless labels are X·w*; a sparse truth has k entries of the given value")
    func noiselessSparse() throws {
        let spec = SynthesisSpec(rows: 40, features: 100, truth: .sparse(k: 5, value: 1 / 5.0.squareRoot(), randomSigns: false))
        let data = Dataset.synthesize(spec, stream: stream)
        #expect(data.x.rows == 40 && data.x.columns == 100)
        let truth = try #require(data.truth)
        #expect(truth.filter { $0 != 0 }.count == 5)
        #expect(truth.filter { $0 != 0 }.allSatisfy { $0 == 1 / 5.0.squareRoot() })
        #expect(relativeDistance(data.y, BLAS.product(data.x, .none, truth)) < 1e-14)
        #expect(data.noise == 0)
        #expect(data.design == .gaussian(correlation: 0))
        #expect(data.design!.isIsotropic)
    }

    @Test("random signs give both signs; a dense truth has the requested norm")
    func truths() {
        let signed = Dataset.synthesize(SynthesisSpec(rows: 5, features: 200, truth: .sparse(k: 100, value: 2, randomSigns: true)),
                                        stream: stream)
        let nonzero = signed.truth!.filter { $0 != 0 }
        #expect(nonzero.count == 100 && nonzero.allSatisfy { abs($0) == 2 })
        #expect(nonzero.contains(2) && nonzero.contains(-2))
        let dense = Dataset.synthesize(SynthesisSpec(rows: 5, features: 50, truth: .dense(norm: 3)), stream: stream)
        #expect(abs(BLAS.nrm2(dense.truth!) - 3) < 1e-14)
        #expect(dense.truth!.allSatisfy { $0 != 0 })
    }

    @Test("the same seed gives bit-identical data; the first rows do not depend on n")
    func determinismAndNesting() {
        let spec = SynthesisSpec(rows: 30, features: 20, correlation: 0.5, truth: .dense(norm: 1), noise: 0.3)
        let a = Dataset.synthesize(spec, stream: stream)
        let b = Dataset.synthesize(spec, stream: stream)
        #expect(bitIdentical(a.x.storage, b.x.storage) && bitIdentical(a.y, b.y))
        var larger = spec
        larger.rows = 60
        let c = Dataset.synthesize(larger, stream: stream)
        #expect(bitIdentical(Array(c.x.storage.prefix(30 * 20)), a.x.storage))
        #expect(bitIdentical(Array(c.y.prefix(30)), a.y))
        let other = Dataset.synthesize(spec, stream: RandomStream(seed: 8).derived("data"))
        #expect(!bitIdentical(other.x.storage, a.x.storage))
    }

    @Test("AR(1) features have unit variance and correlation ρ^|i−j|; noise has standard deviation σ")
    func correlationAndNoise() {
        let rho = 0.6, n = 20_000
        let data = Dataset.synthesize(SynthesisSpec(rows: n, features: 4, correlation: rho, truth: .sparse(k: 0, value: 1, randomSigns: false), noise: 0.5),
                                      stream: stream)
        func column(_ j: Int) -> [Double] { data.x.column(j) }
        func mean(_ v: [Double]) -> Double { v.reduce(0, +) / Double(v.count) }
        func covariance(_ a: [Double], _ b: [Double]) -> Double {
            let ma = mean(a), mb = mean(b)
            return zip(a, b).map { ($0 - ma) * ($1 - mb) }.reduce(0, +) / Double(a.count)
        }
        // Standard error of a sample covariance of unit-variance normals ≤ √(2/n) ≈ 0.01; allow 5 of them.
        let tolerance = 5 * (2.0 / Double(n)).squareRoot()
        for j in 0..<4 { #expect(abs(covariance(column(j), column(j)) - 1) < tolerance) }
        #expect(abs(covariance(column(0), column(1)) - rho) < tolerance)
        #expect(abs(covariance(column(0), column(2)) - rho * rho) < tolerance)
        #expect(abs(covariance(column(1), column(3)) - rho * rho) < tolerance)
        // With w* = 0 the labels are pure noise.
        #expect(abs(covariance(data.y, data.y).squareRoot() - 0.5) < 5 * 0.5 / (2.0 * Double(n)).squareRoot())
        #expect(data.design == .gaussian(correlation: rho) && !data.design!.isIsotropic)
    }

    @Test("invalid specs are described in words")
    func problems() {
        let spec = SynthesisSpec(rows: 0, features: 3, correlation: 1, truth: .sparse(k: 4, value: 1, randomSigns: false), noise: -1)
        #expect(spec.problems == ["n must be at least 1 (got 0)", "rho must lie in (-1, 1) (got 1.0)",
                                  "noise must be a finite σ ≥ 0 (got -1.0)", "k must lie in 0…d = 0…3 (got 4)"])
    }
}
