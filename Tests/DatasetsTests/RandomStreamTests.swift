import Datasets
import Foundation
import Testing
import TestSupport

@Suite("RandomStream (Philox4x64-10)")
struct RandomStreamTests {
    @Test("raw output equals NumPy's Philox bit generator", arguments: [0, 3, 1_000_000])
    func matchesNumPy(substream: Int) throws {
        let stream = RandomStream(seed: 7).derived("stage:data").derived("n=100")
        var generator = stream.substream(substream)
        let ours = (0..<10).map { _ in generator.nextUInt64() }
        let reference = try Python.json("philox_reference.py",
                                        [String(stream.key.0), String(stream.key.1), String(substream), "10"])
        let theirs = try #require(reference["raw"] as? [String]).compactMap { UInt64($0) }
        #expect(ours == theirs)
    }

    @Test("streams derive deterministically from seed and labels, and differ between labels")
    func derivation() {
        let root = RandomStream(seed: 42)
        var a = root.derived("fit"), b = root.derived("fit"), c = root.derived("fit "), d = RandomStream(seed: 43).derived("fit")
        let first = a.nextUInt64()
        #expect(first == b.nextUInt64())
        #expect(first != c.nextUInt64())
        #expect(first != d.nextUInt64())
        // Long labels use every byte.
        var long1 = root.derived(String(repeating: "x", count: 40) + "1")
        var long2 = root.derived(String(repeating: "x", count: 40) + "2")
        #expect(long1.nextUInt64() != long2.nextUInt64())
        var s0 = root.substream(0), s1 = root.substream(1)
        #expect(s0.nextUInt64() != s1.nextUInt64())
    }

    @Test("uniforms, Gaussians, bounded integers and permutations have the right distribution")
    func distributions() {
        var stream = RandomStream(seed: 1).derived("distributions")
        let count = 200_000
        var sum = 0.0, sumSquares = 0.0, sumUniform = 0.0
        for _ in 0..<count {
            let z = stream.nextGaussian()
            sum += z
            sumSquares += z * z
            let u = stream.nextUniform()
            #expect(u >= 0 && u < 1)
            sumUniform += u
        }
        // Five standard errors: a false alarm about once in 3.5 million runs.
        let n = Double(count)
        #expect(abs(sum / n) < 5 / n.squareRoot())
        #expect(abs(sumSquares / n - 1) < 5 * 2.0.squareRoot() / n.squareRoot())
        #expect(abs(sumUniform / n - 0.5) < 5 * (1.0 / 12).squareRoot() / n.squareRoot())
        var counts = [Int](repeating: 0, count: 7)
        for _ in 0..<70_000 { counts[stream.nextInt(below: 7)] += 1 }
        #expect(counts.allSatisfy { abs($0 - 10_000) < 5 * 93 })  // sd = √(70000·(1/7)·(6/7)) ≈ 93
        let permutation = stream.permutation(1000)
        #expect(permutation.sorted() == Array(0..<1000))
        #expect(permutation != Array(0..<1000))
    }
}
