import Datasets
import Foundation
import LinearAlgebra

/// Sequences for a linear-chain CRF: tokens (rows of x, n × d), one label
/// 0…L−1 per token, and the sequences as consecutive runs of rows.
public struct Sequences: Sendable {
    public var x: Matrix
    public var labels: [Int]
    /// The length of each sequence, in row order; they sum to n.
    public var lengths: [Int]
    /// L, the number of states.
    public var states: Int

    public init(x: Matrix, labels: [Int], lengths: [Int], states: Int) {
        precondition(labels.count == x.rows && lengths.reduce(0, +) == x.rows, "one label per token, lengths summing to the tokens")
        self.x = x
        self.labels = labels
        self.lengths = lengths
        self.states = states
    }

    public var count: Int { lengths.count }
    /// The first row of each sequence.
    public var starts: [Int] {
        var offset = 0
        return lengths.map { length in defer { offset += length }; return offset }
    }
}

/// A linear-chain CRF's parameters θ, laid out as one vector: emission weights
/// E (L × d, row-major), transition weights A (L × L, from i to j), then the
/// start and end weights s and e (L each) when the model has them. The score
/// of labels y for tokens x₁…x_T is Σ_t E[y_t]·x_t + s[y₁] + Σ_{t>1} A[y_{t−1}, y_t] + e[y_T].
public struct CRFLayout: Sendable, Hashable {
    public let states: Int
    public let features: Int
    /// Whether the model has start and end weights (CRFsuite's has not).
    public let boundaries: Bool
    /// Whether it has transition weights (without: per-token multinomial logistic regression).
    public let transitions: Bool

    public init(states: Int, features: Int, boundaries: Bool = true, transitions: Bool = true) {
        self.states = states
        self.features = features
        self.boundaries = boundaries && transitions
        self.transitions = transitions
    }

    public var emissionCount: Int { states * features }
    public var transitionOffset: Int { emissionCount }
    public var startOffset: Int { emissionCount + (transitions ? states * states : 0) }
    public var endOffset: Int { startOffset + states }
    public var count: Int { startOffset + (boundaries ? 2 * states : 0) }

    /// A name per parameter: `E[state,feature]`, `A[from,to]`, `start[state]`, `end[state]`.
    public func names(features featureNames: [String]) -> [String] {
        var names: [String] = []
        for s in 0..<states { for f in featureNames { names.append("E[\(s),\(f)]") } }
        if transitions { for i in 0..<states { for j in 0..<states { names.append("A[\(i),\(j)]") } } }
        if boundaries {
            names += (0..<states).map { "start[\($0)]" }
            names += (0..<states).map { "end[\($0)]" }
        }
        return names
    }
}

/// The CRF's likelihood, its gradient by forward–backward in log space, and
/// Viterbi decoding.
public struct LinearChainCRF: Sendable {
    public let layout: CRFLayout

    public init(layout: CRFLayout) { self.layout = layout }

    /// The emission scores U = X·Eᵀ (n × L), into `u`.
    func emissions(_ theta: UnsafePointer<Double>, _ x: Matrix, into u: UnsafeMutablePointer<Double>) {
        let l = layout.states, d = layout.features
        x.storage.withUnsafeBufferPointer { xs in
            BLAS.gemm(.none, .transpose, m: x.rows, n: l, k: d, alpha: 1, a: xs.baseAddress!, lda: d, b: theta, ldb: d,
                      beta: 0, c: u, ldc: l)
        }
    }

    /// The emission scores U = X·Eᵀ (n × L).
    func emissions(_ theta: [Double], _ x: Matrix) -> Matrix {
        var u = Matrix(rows: x.rows, columns: layout.states)
        theta.withUnsafeBufferPointer { t in u.storage.withUnsafeMutableBufferPointer { emissions(t.baseAddress!, x, into: $0.baseAddress!) } }
        return u
    }

    func transition(_ theta: [Double], _ i: Int, _ j: Int) -> Double {
        layout.transitions ? theta[layout.transitionOffset + i * layout.states + j] : 0
    }

    func start(_ theta: [Double], _ j: Int) -> Double { layout.boundaries ? theta[layout.startOffset + j] : 0 }
    func end(_ theta: [Double], _ j: Int) -> Double { layout.boundaries ? theta[layout.endOffset + j] : 0 }

    /// The buffers one evaluation of the likelihood uses, made once for a data
    /// set and reused by every evaluation (a GD step, an L-BFGS call).
    public struct Workspace {
        /// U (n × L) and the expected minus observed labels per token (n × L).
        var u: [Double], residual: [Double]
        /// α and β of the longest sequence (T × L), and one column (L).
        var alpha: [Double], beta: [Double], column: [Double]

        public init(states l: Int, data: Sequences) {
            let longest = data.lengths.max() ?? 0
            u = [Double](repeating: 0, count: data.x.rows * l)
            residual = u
            alpha = [Double](repeating: 0, count: longest * l)
            beta = alpha
            column = [Double](repeating: 0, count: l)
        }
    }

    /// The mean negative log-likelihood per sequence, and (when `gradient` is
    /// given) its gradient with respect to θ, added into it.
    public func negativeLogLikelihood(_ theta: [Double], _ data: Sequences, gradient: UnsafeMutableBufferPointer<Double>? = nil) -> Double {
        var workspace = Workspace(states: layout.states, data: data)
        return negativeLogLikelihood(theta, data, gradient: gradient, workspace: &workspace)
    }

    /// The same, in `workspace`'s buffers: nothing is allocated.
    public func negativeLogLikelihood(_ theta: [Double], _ data: Sequences, gradient: UnsafeMutableBufferPointer<Double>?,
                                      workspace w: inout Workspace) -> Double {
        let l = layout.states, d = layout.features, n = data.x.rows
        theta.withUnsafeBufferPointer { t in w.u.withUnsafeMutableBufferPointer { emissions(t.baseAddress!, data.x, into: $0.baseAddress!) } }
        var total = 0.0
        let scale = 1 / Double(data.count)
        var first = 0
        for length in data.lengths {
            defer { first += length }
            if length == 0 { continue }
            for j in 0..<l { w.alpha[j] = start(theta, j) + w.u[first * l + j] }
            for t in 1..<length {
                for j in 0..<l {
                    for i in 0..<l { w.column[i] = w.alpha[(t - 1) * l + i] + transition(theta, i, j) }
                    w.alpha[t * l + j] = LinearChainCRF.logSumExp(w.column) + w.u[(first + t) * l + j]
                }
            }
            for j in 0..<l { w.column[j] = w.alpha[(length - 1) * l + j] + end(theta, j) }
            let logZ = LinearChainCRF.logSumExp(w.column)
            // The score of the observed labels.
            var score = 0.0
            for t in 0..<length {
                let y = data.labels[first + t]
                score += w.u[(first + t) * l + y]
                score += t == 0 ? start(theta, y) : transition(theta, data.labels[first + t - 1], y)
            }
            score += end(theta, data.labels[first + length - 1])
            total += logZ - score
            guard let gradient else { continue }
            for j in 0..<l { w.beta[(length - 1) * l + j] = end(theta, j) }
            for t in stride(from: length - 2, through: 0, by: -1) {
                for i in 0..<l {
                    for j in 0..<l { w.column[j] = transition(theta, i, j) + w.u[(first + t + 1) * l + j] + w.beta[(t + 1) * l + j] }
                    w.beta[t * l + i] = LinearChainCRF.logSumExp(w.column)
                }
            }
            for t in 0..<length {
                let y = data.labels[first + t], row = (first + t) * l
                for j in 0..<l {
                    let marginal = exp(w.alpha[t * l + j] + w.beta[t * l + j] - logZ)
                    w.residual[row + j] = marginal - (j == y ? 1 : 0)
                }
                if layout.boundaries && t == 0 {
                    for j in 0..<l { gradient[layout.startOffset + j] += scale * w.residual[row + j] }
                }
                if layout.boundaries && t == length - 1 {
                    for j in 0..<l { gradient[layout.endOffset + j] += scale * w.residual[row + j] }
                }
                if layout.transitions && t > 0 {
                    for i in 0..<l {
                        for j in 0..<l {
                            let pair = exp(w.alpha[(t - 1) * l + i] + transition(theta, i, j) + w.u[row + j] + w.beta[t * l + j] - logZ)
                            gradient[layout.transitionOffset + i * l + j] += scale * pair
                        }
                    }
                    gradient[layout.transitionOffset + data.labels[first + t - 1] * l + y] -= scale
                }
            }
        }
        if let gradient, n > 0 {
            // ∂/∂E += (P − Y)ᵀX / N: one gemm for every token, straight into the gradient.
            w.residual.withUnsafeBufferPointer { r in
                data.x.storage.withUnsafeBufferPointer { xs in
                    BLAS.gemm(.transpose, .none, m: l, n: d, k: n, alpha: scale, a: r.baseAddress!, lda: l, b: xs.baseAddress!, ldb: d,
                              beta: 1, c: gradient.baseAddress!, ldc: d)
                }
            }
        }
        return total * scale
    }

    /// The most likely labels of every sequence (Viterbi), concatenated.
    public func decode(_ theta: [Double], _ x: Matrix, lengths: [Int]) -> [Int] {
        let l = layout.states
        let u = emissions(theta, x)
        var labels = [Int](repeating: 0, count: x.rows)
        var first = 0
        for length in lengths {
            defer { first += length }
            if length == 0 { continue }
            var delta = (0..<l).map { start(theta, $0) + u[first, $0] }
            var back = [Int](repeating: 0, count: length * l)
            for t in 1..<max(length, 1) {
                var next = [Double](repeating: -.infinity, count: l)
                for j in 0..<l {
                    for i in 0..<l {
                        let value = delta[i] + transition(theta, i, j)
                        if value > next[j] { next[j] = value; back[t * l + j] = i }
                    }
                    next[j] += u[first + t, j]
                }
                delta = next
            }
            var best = 0
            for j in 0..<l where delta[j] + end(theta, j) > delta[best] + end(theta, best) { best = j }
            for t in stride(from: length - 1, through: 0, by: -1) {
                labels[first + t] = best
                best = back[t * l + best]
            }
        }
        return labels
    }

    static func logSumExp(_ values: [Double]) -> Double {
        let top = values.max() ?? -.infinity
        guard top.isFinite else { return top }
        return top + log(values.reduce(0) { $0 + exp($1 - top) })
    }
}
