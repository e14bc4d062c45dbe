import Datasets
import Pipeline

/// `synthesize`: a Gaussian design, a sparse or dense truth, and noisy labels.
struct SynthesizeOp: InstanceOperation {
    let name = "synthesize"
    let summary = "Draws X ~ N(0, Σ) (Σ_ij = rho^|i−j|), a truth w* and y = X·w* + noise·ε, or (kind: hmm) labelled sequences from a hidden Markov model, from the stage's random stream."
    let output = ArtifactKind.data
    let inputs: [InputSlot] = []
    let usesRandomness = true

    let schema = Schema([
        KeySpec("kind", .choice(of: Kind.self), .defaulted(.string(Kind.linear.rawValue)),
                doc: "linear: regression data (below); hmm: sequences of states and their tokens' features (the hmm keys)."),
        KeySpec("n", .integer(min: 1), .required, doc: "Rows (kind hmm: sequences)."),
        KeySpec("d", .integer(min: 1), .required, doc: "Features."),
        KeySpec("hmm", .record(Schema([
            KeySpec("states", .integer(min: 2, max: 1000), .defaulted(.number(4)), doc: "L, the hidden states (the labels 0…L−1)."),
            KeySpec("length", .integer(min: 1), .defaulted(.number(20)), doc: "Tokens per sequence."),
            KeySpec("stickiness", .number(NumberBounds(min: 0, max: 1, maxInclusive: false)), .defaulted(.number(0.8)),
                    doc: "ρ: transitions ρ·I + (1 − ρ)/L·11ᵀ; 0 is no structure (uniform), near 1 states persist."),
            KeySpec("emissions", .choice(of: HMMSpec.Emissions.self), .defaulted(.string(HMMSpec.Emissions.gaussian.rawValue)),
                    doc: "gaussian: x ~ N(μ_state, I), μ_state ~ N(0, separation²·I); sparse: binary features, `informative` of them tied to a state (on with probability 0.9 there, 0.1 elsewhere), the rest on with probability 0.3."),
            KeySpec("separation", .number(.nonNegative), .defaulted(.number(1)), doc: "Gaussian emissions: the spread of the state means."),
            KeySpec("informative", .integer(min: 0), .defaulted(.number(10)), doc: "Sparse emissions: the informative features (at most d)."),
        ])), doc: "kind hmm: the chain and its emissions."),
        KeySpec("rho", .number(NumberBounds(min: -1, minInclusive: false, max: 1, maxInclusive: false)), .defaulted(.number(0)),
                doc: "AR(1) correlation between neighbouring features; 0 is an isotropic design."),
        KeySpec("truth", .record(Schema([
            KeySpec("kind", .choice(of: TruthKind.self), .defaulted(.string(TruthKind.sparse.rawValue)), doc: "A sparse or a dense w*."),
            KeySpec("k", .integer(min: 0), .defaulted(.number(5)), doc: "Nonzeros of a sparse w*, at random positions."),
            KeySpec("value", .number(), .defaulted(.number(1)), doc: "The value of each nonzero."),
            KeySpec("signs", .choice(of: Signs.self), .defaulted(.string(Signs.fixed.rawValue)),
                    doc: "fixed: every nonzero is value; random: ±value."),
            KeySpec("norm", .number(.nonNegative), .defaulted(.number(1)), doc: "‖w*‖₂ of a dense w*."),
        ])), doc: "The ground truth w*."),
        KeySpec("noise", .number(.nonNegative), .defaulted(.number(0)), doc: "σ, the standard deviation of the label noise."),
        KeySpec("labels", .choice(of: Labels.self), .defaulted(.string(Labels.real.rawValue)),
                doc: "real: y = X·w* + σε; sign: the signs ±1 of that, for the logistic loss."),
    ], aliases: [
        "samples": "n", "rows": "n", "n_samples": "n", "features": "d", "dim": "d", "p": "d", "n_features": "d",
        "sigma": "noise", "correlation": "rho",
    ], rules: [
        Schema.Rule(reads: ["d", "truth.k", "kind"]) { values in
            guard values["kind"]?.string != Kind.hmm.rawValue,
                  let d = values["d"]?.integer, let k = values[path: "truth.k"]?.integer, k > d else { return [] }
            return [("truth.k", "truth.k = \(k) exceeds d = \(d)")]
        },
        Schema.Rule(reads: ["d", "hmm.informative", "hmm.emissions", "kind"]) { values in
            guard values["kind"]?.string == Kind.hmm.rawValue, values[path: "hmm.emissions"]?.string == HMMSpec.Emissions.sparse.rawValue,
                  let d = values["d"]?.integer, let k = values[path: "hmm.informative"]?.integer, k > d else { return [] }
            return [("hmm.informative", "hmm.informative = \(k) exceeds d = \(d)")]
        },
    ])

    enum Kind: String, CaseIterable { case linear, hmm }
    enum TruthKind: String, CaseIterable { case sparse, dense }
    enum Signs: String, CaseIterable { case fixed, random }
    enum Labels: String, CaseIterable { case real, sign }

    /// What the stage draws, from its typed parameters.
    static func spec(_ values: ValueMap) throws(ParameterError) -> SynthesisSpec {
        let p = ParameterReader(values)
        let truth: SynthesisSpec.Truth
        switch try p.choice("truth.kind", as: TruthKind.self) {
        case .dense: truth = .dense(norm: try p.number("truth.norm"))
        case .sparse: truth = .sparse(k: try p.integer("truth.k"), value: try p.number("truth.value"),
                                      randomSigns: try p.choice("truth.signs", as: Signs.self) == .random)
        }
        return SynthesisSpec(rows: try p.integer("n"), features: try p.integer("d"), correlation: try p.number("rho"),
                             truth: truth, noise: try p.number("noise"), signLabels: try p.choice("labels", as: Labels.self) == .sign)
    }

    /// The chain of kind hmm, or nil for regression data.
    static func hmm(_ values: ValueMap) throws(ParameterError) -> HMMSpec? {
        let p = ParameterReader(values)
        guard try p.choice("kind", as: Kind.self) == .hmm else { return nil }
        return HMMSpec(sequences: try p.integer("n"), length: try p.integer("hmm.length"), states: try p.integer("hmm.states"),
                       features: try p.integer("d"), stickiness: try p.number("hmm.stickiness"),
                       emissions: try p.choice("hmm.emissions", as: HMMSpec.Emissions.self), separation: try p.number("hmm.separation"),
                       informative: try p.integer("hmm.informative"))
    }

    func decodes(_ parameters: ValueMap) throws(ParameterError) {
        _ = try SynthesizeOp.spec(parameters)
        _ = try SynthesizeOp.hmm(parameters)
    }

    func run(_ instance: StageInstance, inputs: [String: [Artifact]], context: ExecutionContext) throws -> Artifact {
        if let hmm = try SynthesizeOp.hmm(instance.parameters) {
            return .data(DataArtifact(train: Dataset.synthesize(hmm, stream: context.stream(for: instance))))
        }
        let spec = try SynthesizeOp.spec(instance.parameters)
        if let problem = spec.problems.first {
            throw StageFailure(identity: instance.identity, kind: .input, message: problem)
        }
        let data = Dataset.synthesize(spec, stream: context.stream(for: instance))
        if let row = data.y.firstIndex(where: { !$0.isFinite }) {
            throw StageFailure(identity: instance.identity, kind: .input,
                               message: "y overflows (row \(row) is \(data.y[row])); lower truth.value or noise")
        }
        return .data(DataArtifact(train: data))
    }
}

extension SynthesizeOp: DataShaping {
    func shape(of instance: StageInstance, input: DataShape?, spec: PipelineSpec) -> DataShape? {
        if let hmm = try? SynthesizeOp.hmm(instance.parameters) {
            let (tokens, overflow) = hmm.sequences.multipliedReportingOverflow(by: hmm.length)
            return DataShape(trainRows: overflow ? Int.max / 2 : tokens, testRows: 0, features: hmm.features, rowsPerUnit: hmm.length)
        }
        guard let spec = try? SynthesizeOp.spec(instance.parameters) else { return nil }
        return DataShape(trainRows: spec.rows, testRows: 0, features: spec.features)
    }
}
