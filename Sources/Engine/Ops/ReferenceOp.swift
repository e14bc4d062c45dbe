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
        KeySpec("solutions", .list(.choice(["min_l2", "min_l1", "ridge", "q_alpha", "min_l2_init"]), minCount: 1), .required,
                sweepable: false,
                doc: "Which: min_l2 (X⁺y), min_l1 (min ‖w‖₁ s.t. Xw = y), ridge, q_alpha, min_l2_init (w₀ + X⁺(y − Xw₀) from each fit point's initial w₀)."),
        KeySpec("lambda", .either([.number(.nonNegative), .choice(["match"])], description: "a number ≥ 0 or match"),
                .defaulted(.string("match")), doc: "ridge's λ; match: the l2 of each fit point compared with it."),
        KeySpec("alpha", .either([.number(.positive), .choice(["match"])], description: "a number > 0 or match"),
                .defaulted(.string("match")), doc: "q_alpha's α; match: the init_scale of each fit point compared with it."),
    ])

    func run(_ instance: StageInstance, inputs: [String: [Artifact]], context: ExecutionContext) throws -> Artifact {
        guard let data = inputs["input"]?.first?.data else { preconditionFailure("reference without data") }
        let x = data.train.x, y = data.train.y
        let p = instance.parameters
        var fixed: [(name: String, weights: [Double])] = []
        var matched: [MatchedReference] = []
        do {
            for name in p["solutions"]!.list!.compactMap(\.string) {
                switch name {
                case "min_l2": fixed.append((name, try MinimumNorm.solve(x, y)))
                case "min_l1": fixed.append((name, try BasisPursuit.solve(x, y)))
                case "min_l2_init": matched.append(.minL2FromInit)
                case "ridge":
                    if let lambda = p["lambda"]?.number { fixed.append((name, try Ridge.solve(x, y, lambda: lambda))) } else { matched.append(.ridge) }
                default:
                    if let alpha = p["alpha"]?.number { fixed.append((name, try QAlpha.solve(x, y, alpha: alpha))) } else { matched.append(.qAlpha) }
                }
            }
        } catch {
            throw StageFailure(identity: instance.identity, message: "\(error)", isInputError: false)
        }
        return .references(ReferenceArtifact(fixed: fixed, matched: matched))
    }
}
