import Datasets
import struct Datasets.Dataset
import Foundation
import LinearAlgebra
import Testing
import TestSupport

/// Sequences: an HMM's draws against its own chain, and splits that keep sequences whole.
@Suite("sequences")
struct SequenceTests {
    @Test("synthesize kind hmm: transition frequencies match the sticky chain; sparse emissions switch on with their state")
    func hmm() {
        let spec = HMMSpec(sequences: 400, length: 50, states: 3, features: 12, stickiness: 0.7, emissions: .sparse, informative: 6)
        let data = Dataset.synthesize(spec, stream: RandomStream(seed: 3))
        #expect(data.rows == 20_000 && data.sequenceLengths == Array(repeating: 50, count: 400))
        let truth = try! #require(data.sequenceTruth)
        var counts = [[Double]](repeating: [0, 0, 0], count: 3)
        var first = 0
        for length in data.sequenceLengths! {
            for t in 1..<length { counts[Int(data.y[first + t - 1])][Int(data.y[first + t])] += 1 }
            first += length
        }
        for i in 0..<3 {
            let total = counts[i].reduce(0, +)
            for j in 0..<3 {
                let p = truth.transitions[i, j], observed = counts[i][j] / total
                // ~6,500 transitions per row: the frequency's sd is at most 0.0062; 5 sd.
                #expect(abs(observed - p) < 0.031, "P[\(i),\(j)] = \(p), observed \(observed)")
            }
        }
        #expect(abs(truth.transitions[0, 0] - (0.7 + 0.1)) < 1e-15)
        // An informative feature is on 90% of the time in its own state and 10% elsewhere.
        let informative = try! #require(truth.informative)
        #expect(informative.count == 6)
        for feature in informative {
            let on = (0..<3).map { state -> Double in
                let rows = (0..<data.rows).filter { Int(data.y[$0]) == state }
                return Double(rows.filter { data.x[$0, feature] == 1 }.count) / Double(rows.count)
            }
            #expect(on.filter { abs($0 - 0.9) < 0.03 }.count == 1 && on.filter { abs($0 - 0.1) < 0.03 }.count == 2, "\(on)")
        }
    }

    @Test("split and k-fold keep every sequence whole, and count sequences")
    func splits() {
        let lengths = [3, 1, 4, 2, 5, 2]
        let rows = lengths.reduce(0, +)
        // Each row holds its sequence's index, so a sequence's rows can be recognised.
        var x: [Double] = []
        for (sequence, length) in lengths.enumerated() { x += Array(repeating: Double(sequence), count: length) }
        let data = Dataset(x: Matrix(rows: rows, columns: 1, storage: x), y: x, sequenceLengths: lengths)
        func whole(_ part: Dataset) -> Bool {
            var first = 0
            for length in part.sequenceLengths! {
                let ids = Set(part.x.storage[first..<(first + length)])
                guard ids.count == 1, lengths[Int(ids.first!)] == length else { return false }
                first += length
            }
            return first == part.rows
        }
        let split = data.split(testCount: 2, stream: RandomStream(seed: 1))
        #expect(split.test.sequenceLengths?.count == 2 && split.train.sequenceLengths?.count == 4)
        #expect(whole(split.train) && whole(split.test) && split.train.rows + split.test.rows == rows)
        let folds = data.folds(3, stream: RandomStream(seed: 2))
        #expect(folds.allSatisfy { whole($0.train) && whole($0.test) && $0.test.sequenceLengths?.count == 2 })
        #expect(Set(folds.flatMap { $0.test.x.storage }) == Set(x))
    }
}
