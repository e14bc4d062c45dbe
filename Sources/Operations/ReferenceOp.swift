import Datasets
import Learning
import Pipeline

/// `reference`: closed forms and limits the fits are compared with.
struct ReferenceOp: InstanceOperation {
    let name = "reference"
    let summary = "Computes reference solutions on the training rows: min_l2, min_l1 (basis pursuit by GLPK), ridge, q_alpha (Woodworth et al. 2020)."
    let output = ArtifactKind.references
    let inputs = [InputSlot("input", accepts: .data, doc: "The data to solve on.")]

    let schema = Schema([
        KeySpec("solutions", .list(.choice(of: ReferenceSolution.self), minCount: 1), .required,
                sweepable: false,
                doc: "Which: min_l2 (X⁺y), min_l1 (min ‖w‖₁ s.t. Xw = y), ridge, q_alpha, min_l2_init (w₀ + X⁺(y − Xw₀) from each fit point's initial w₀)."),
        KeySpec("lambda", .either([.number(.nonNegative), .choice(["match"])], description: "a number ≥ 0 or match"),
                .defaulted(.string("match")), doc: "ridge's λ; match: the l2 of each fit point compared with it."),
        KeySpec("alpha", .either([.number(.positive), .choice(["match"])], description: "a number > 0 or match"),
                .defaulted(.string("match")), doc: "q_alpha's α; match: the init_scale of each fit point compared with it, and then the limit of that point's own depth (Woodworth et al.'s Q^D_α for the diagonal model of depth D; depth 2 for other models), named q_alpha. A number: the limit at that α and `depth`, named q_alpha_d<depth> (dist_q_alpha_d2, …), so that its depth shows beside every fit it is compared with."),
        KeySpec("depth", .integer(min: 2, max: 32), .defaulted(.number(2)),
                doc: "The depth D of a fixed-α q_alpha (alpha: a number): argmin Q^D_α subject to Xw = y."),
    ])

    /// The stage's parameters, typed.
    struct Parameters {
        var solutions: [ReferenceSolution]
        /// ridge's λ, or nil: each fit point's own l2.
        var lambda: Double?
        /// q_alpha's α, or nil: each fit point's own init_scale.
        var alpha: Double?
        /// The depth of a fixed-α q_alpha.
        var depth: Int

        init(_ values: ValueMap) throws(ParameterError) {
            let p = ParameterReader(values)
            solutions = try p.choices("solutions", as: ReferenceSolution.self)
            lambda = values["lambda"]?.string == "match" ? nil : try p.number("lambda")
            alpha = values["alpha"]?.string == "match" ? nil : try p.number("alpha")
            depth = try p.integer("depth")
        }
    }

    func decodes(_ parameters: ValueMap) throws(ParameterError) { _ = try Parameters(parameters) }

    func run(_ instance: StageInstance, inputs: [String: [Artifact]], context: ExecutionContext) throws -> Artifact {
        guard let data = inputs["input"]?.first?.data else { preconditionFailure("reference without data") }
        let x = data.train.x, y = data.train.y
        let p = try Parameters(instance.parameters)
        var fixed: [(name: String, weights: [Double])] = []
        var matched: [MatchedReference] = []
        do {
            for solution in p.solutions {
                let name = solution.rawValue
                switch solution {
                case .minL2: fixed.append((name, try MinimumNorm.solve(x, y)))
                case .minL1: fixed.append((name, try BasisPursuit.solve(x, y)))
                case .minL2Init: matched.append(.minL2FromInit)
                case .ridge:
                    if let lambda = p.lambda { fixed.append((name, try Ridge.solve(x, y, lambda: lambda))) } else { matched.append(.ridge) }
                case .qAlpha:
                    // A fixed α names its depth; the matched one follows each point's.
                    if let alpha = p.alpha {
                        fixed.append(("\(name)_d\(p.depth)", try QAlpha.solve(x, y, alpha: alpha, depth: p.depth)))
                    } else {
                        matched.append(.qAlpha)
                    }
                }
            }
        } catch {
            throw StageFailure(identity: instance.identity, kind: .computation, underlying: error)
        }
        return .references(ReferenceArtifact(fixed: fixed, matched: matched))
    }
}
