import LinearAlgebra

/// What `synthesize` with `kind: hmm` draws: sequences from a hidden Markov
/// model, so that a study knows the truth its CRFs should find.
public struct HMMSpec: Sendable, Hashable {
    /// How tokens are emitted from states.
    public enum Emissions: String, Sendable, CaseIterable {
        /// x ~ N(μ_state, I): each state's mean drawn once, N(0, separation²·I).
        case gaussian
        /// Binary features: `informative` of them, each tied to one state (on
        /// with probability 0.9 in its state, 0.1 elsewhere); the rest on with
        /// probability 0.3 whatever the state.
        case sparse
    }

    public var sequences: Int
    public var length: Int
    public var states: Int
    public var features: Int
    /// ρ: the transition matrix is ρ·I + (1 − ρ)/L·11ᵀ (0: uniform, no structure; near 1: sticky).
    public var stickiness: Double
    public var emissions: Emissions
    public var separation: Double
    public var informative: Int

    public init(sequences: Int, length: Int, states: Int, features: Int, stickiness: Double, emissions: Emissions,
                separation: Double = 1, informative: Int = 0) {
        self.sequences = sequences
        self.length = length
        self.states = states
        self.features = features
        self.stickiness = stickiness
        self.emissions = emissions
        self.separation = separation
        self.informative = informative
    }

    /// The transition matrix.
    public var transitions: Matrix {
        let l = states
        var p = Matrix(rows: l, columns: l, repeating: (1 - stickiness) / Double(l))
        for i in 0..<l { p.storage[i * l + i] += stickiness }
        return p
    }
}

extension Dataset {
    /// Draws the sequences: the first state uniform, then by the transition
    /// matrix; every token's features from its state's emission. Sequence i
    /// draws from its own substream, the emission parameters from "emissions".
    public static func synthesize(_ spec: HMMSpec, stream: RandomStream) -> Dataset {
        let l = spec.states, d = spec.features
        var parameters = stream.derived("emissions")
        let means = (0..<(l * d)).map { _ in spec.separation * parameters.nextGaussian() }
        // Sparse: the informative features, each tied to a state in turn.
        let informative = Array(parameters.permutation(d).prefix(spec.emissions == .sparse ? spec.informative : 0))
        var owner = [Int](repeating: -1, count: d)
        for (index, feature) in informative.enumerated() { owner[feature] = index % l }
        let transitions = spec.transitions
        var x: [Double] = [], labels: [Double] = []
        x.reserveCapacity(spec.sequences * spec.length * d)
        let draws = stream.derived("sequences")
        for i in 0..<spec.sequences {
            var chain = draws.substream(i)
            var state = chain.nextInt(below: l)
            for t in 0..<spec.length {
                if t > 0 {
                    let u = chain.nextUniform()
                    var total = 0.0, next = l - 1
                    for j in 0..<l {
                        total += transitions[state, j]
                        if u < total { next = j; break }
                    }
                    state = next
                }
                labels.append(Double(state))
                for j in 0..<d {
                    switch spec.emissions {
                    case .gaussian: x.append(means[state * d + j] + chain.nextGaussian())
                    case .sparse:
                        let p = owner[j] < 0 ? 0.3 : owner[j] == state ? 0.9 : 0.1
                        x.append(chain.nextUniform() < p ? 1 : 0)
                    }
                }
            }
        }
        var data = Dataset(x: Matrix(rows: labels.count, columns: d, storage: x), y: labels,
                           sequenceLengths: Array(repeating: spec.length, count: spec.sequences))
        data.sequenceTruth = SequenceTruth(transitions: transitions, informative: spec.emissions == .sparse ? Set(informative) : nil)
        return data
    }
}
