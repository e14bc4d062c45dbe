import Datasets
import Foundation
import HDF5
import Learning
import LinearAlgebra
import Testing
import TestSupport

/// The linear-chain CRF against brute force (the partition function and
/// Viterbi by enumerating every labelling), finite differences, and CRFsuite.
@Suite("linear-chain CRF")
struct CRFTests {
    /// Sequences from a sticky 3-state chain with Gaussian emissions around
    /// each state's mean: lengths 1…`longest`.
    static func sequences(count: Int, longest: Int, states: Int = 3, features: Int = 4, seed: UInt64 = 1) -> Sequences {
        var stream = RandomStream(seed: seed)
        let means = (0..<(states * features)).map { _ in stream.nextGaussian() }
        var x: [Double] = [], labels: [Int] = [], lengths: [Int] = []
        for _ in 0..<count {
            let length = 1 + stream.nextInt(below: longest)
            var state = stream.nextInt(below: states)
            for _ in 0..<length {
                if stream.nextUniform() < 0.3 { state = stream.nextInt(below: states) }
                labels.append(state)
                x += (0..<features).map { means[state * features + $0] + stream.nextGaussian() }
            }
            lengths.append(length)
        }
        return Sequences(x: Matrix(rows: labels.count, columns: features, storage: x), labels: labels, lengths: lengths, states: states)
    }

    static func randomTheta(_ layout: CRFLayout, seed: UInt64 = 2) -> [Double] {
        var stream = RandomStream(seed: seed)
        return (0..<layout.count).map { _ in 0.7 * stream.nextGaussian() }
    }

    /// Every labelling y of a sequence, with log p(y) (minus its NLL as a one-sequence data set).
    static func enumerate(_ crf: LinearChainCRF, _ theta: [Double], _ x: Matrix) -> [(labels: [Int], score: Double)] {
        let l = crf.layout.states, length = x.rows
        let one = Sequences(x: x, labels: [Int](repeating: 0, count: length), lengths: [length], states: l)
        var all: [(labels: [Int], score: Double)] = []
        for code in 0..<Int(pow(Double(l), Double(length))) {
            var labels: [Int] = [], rest = code
            for _ in 0..<length { labels.append(rest % l); rest /= l }
            var labelled = one
            labelled.labels = labels
            all.append((labels, -crf.negativeLogLikelihood(theta, labelled)))
        }
        return all
    }

    @Test("the log-partition and Viterbi equal brute-force enumeration (3 states, length 6: 729 labellings)")
    func bruteForce() {
        for boundaries in [true, false] {
            let layout = CRFLayout(states: 3, features: 4, boundaries: boundaries)
            let crf = LinearChainCRF(layout: layout), theta = Self.randomTheta(layout)
            var stream = RandomStream(seed: 9)
            let x = Matrix(rows: 6, columns: 4, storage: (0..<24).map { _ in stream.nextGaussian() })
            // log p(y) for every y: they must sum to 1 (so log Z is right), and the best is Viterbi's.
            let logProbabilities = Self.enumerate(crf, theta, x)
            let total = logProbabilities.reduce(0) { $0 + exp($1.score) }
            #expect(abs(total - 1) < 1e-12, "Σ p(y) = \(total)")
            let best = logProbabilities.max { $0.score < $1.score }!.labels
            #expect(crf.decode(theta, x, lengths: [6]) == best)
        }
    }

    @Test("the gradient equals central finite differences, with and without boundaries or transitions")
    func gradient() {
        let data = Self.sequences(count: 6, longest: 5)
        for layout in [CRFLayout(states: 3, features: 4), CRFLayout(states: 3, features: 4, boundaries: false),
                       CRFLayout(states: 3, features: 4, transitions: false)] {
            let crf = LinearChainCRF(layout: layout), theta = Self.randomTheta(layout)
            var gradient = [Double](repeating: 0, count: layout.count)
            _ = gradient.withUnsafeMutableBufferPointer { crf.negativeLogLikelihood(theta, data, gradient: $0) }
            let h = 1e-5
            let numeric = (0..<layout.count).map { i -> Double in
                var up = theta, down = theta
                up[i] += h
                down[i] -= h
                return (crf.negativeLogLikelihood(up, data) - crf.negativeLogLikelihood(down, data)) / (2 * h)
            }
            // Central differences: error O(h²·f‴) ≈ 1e-10 here, far below the 1e-7 asserted.
            #expect(relativeDistance(gradient, numeric) < 1e-7, "\(layout)")
        }
    }

    @Test("trained with l2 (and with l1) it agrees with CRFsuite: objective within 1e-6, test predictions on ≥ 99.5% of tokens")
    func agreesWithCRFsuite() throws {
        let train = Self.sequences(count: 60, longest: 12, features: 5, seed: 4)
        let test = Self.sequences(count: 60, longest: 12, features: 5, seed: 5)
        let layout = CRFLayout(states: 3, features: 5, boundaries: false)
        for (l2, l1) in [(0.05, 0.0), (0.01, 0.02)] {
            let batch = CRFBatch(train: train, test: test, truth: nil,
                                 points: [CRFSpec(layout: layout, l2: l2, l1: l1, method: .lbfgs(gtol: 1e-10),
                                                  stopping: Stopping(steps: 5000))])
            let result = batch.run().results[0]
            #expect(result.status == .ok && result.converged == 1, "\(result.stop) \(result.message ?? "")")
            // CRFsuite sums the loss over sequences and its l2 is c2·‖w‖²: c2 = N·λ/2, c1 = N·λ₁.
            let n = Double(train.count)
            let dir = try TemporaryDirectory("crfsuite")
            let path = dir.file("in.h5")
            let file = try File.create(path)
            try file.write("train_x", train.x.storage, shape: [train.x.rows, 5])
            try file.write("train_labels", train.labels.map(Int64.init))
            try file.write("train_lengths", train.lengths.map(Int64.init))
            try file.write("test_x", test.x.storage, shape: [test.x.rows, 5])
            try file.write("test_lengths", test.lengths.map(Int64.init))
            try file.setAttribute("c1", n * l1)
            try file.setAttribute("c2", n * l2 / 2)
            try file.setAttribute("states", Int64(3))
            try file.close()
            let answer = try Python.json("crfsuite_reference.py", [path])
            let theirs = try #require(Python.doubles(answer["emissions"])) + (try #require(Python.doubles(answer["transitions"])))
            let crf = LinearChainCRF(layout: layout)
            func objective(_ theta: [Double]) -> Double {
                crf.negativeLogLikelihood(theta, train) + 0.5 * l2 * theta.reduce(0) { $0 + $1 * $1 } + l1 * theta.reduce(0) { $0 + abs($1) }
            }
            let ours = objective(result.theta), reference = objective(theirs)
            #expect(abs(ours - reference) <= 1e-6 * abs(reference), "regime \(ours), CRFsuite's θ \(reference)")
            #expect(ours <= reference * (1 + 1e-12), "regime's optimum is at least as low")
            let predicted = crf.decode(result.theta, test.x, lengths: test.lengths)
            let same = zip(predicted, try #require(answer["predictions"] as? [Int])).filter { $0 == $1 }.count
            #expect(Double(same) / Double(predicted.count) >= 0.995, "\(same) of \(predicted.count) tokens agree")
        }
    }

    @Test("GD (with a proximal step for l1) reaches the optimum L-BFGS finds, and records every metric along the way")
    func gradientDescent() {
        let train = Self.sequences(count: 40, longest: 8, features: 4, seed: 6)
        let layout = CRFLayout(states: 3, features: 4)
        for (l2, l1) in [(0.1, 0.0), (0.05, 0.01)] {
            let lbfgs = CRFBatch(train: train, test: nil, truth: nil,
                                 points: [CRFSpec(layout: layout, l2: l2, l1: l1, method: .lbfgs(gtol: 1e-10), stopping: Stopping(steps: 5000))]).run()
            let gd = CRFBatch(train: train, test: nil, truth: nil,
                              points: [CRFSpec(layout: layout, l2: l2, l1: l1, method: .gd, learningRate: .auto(scale: 1.9),
                                               stopping: Stopping(steps: 50000, rtol: 1e-14), recordEvery: 5000)]).run()
            let best = lbfgs.results[0].value, reached = gd.results[0].value
            #expect(reached >= best - 1e-9 * best && reached - best <= 1e-6 * best, "GD \(reached), L-BFGS \(best)")
            let objective = gd.metricNames.firstIndex(of: "objective")!
            let path = gd.results[0].trajectory.map { $0.values[objective] }
            #expect(path.count >= 2 && zip(path, path.dropFirst()).allSatisfy { $1 <= $0 + 1e-12 }, "GD's objective never rises: \(path)")
        }
    }

    @Test("L-BFGS's stopping rules: gtol ends a tight run, rtol a loose one sooner, steps a short one")
    func lbfgsStopping() {
        let train = Self.sequences(count: 40, longest: 8, features: 4, seed: 7)
        let layout = CRFLayout(states: 3, features: 4)
        func run(_ stopping: Stopping, gtol: Double = 1e-8) -> CRFResult {
            CRFBatch(train: train, test: nil, truth: nil,
                     points: [CRFSpec(layout: layout, l2: 0.1, method: .lbfgs(gtol: gtol), stopping: stopping)]).run().results[0]
        }
        let tight = run(Stopping(steps: 5000)), loose = run(Stopping(steps: 5000, rtol: 1e-2)), short = run(Stopping(steps: 3))
        #expect(tight.stop == .gradient && tight.converged == 1)
        #expect(loose.stop == .rtol && loose.converged == 1 && loose.steps < tight.steps, "\(loose.stop) \(loose.steps) vs \(tight.steps)")
        #expect(short.stop == .steps && short.converged == 0 && short.steps <= 3)
    }
}
