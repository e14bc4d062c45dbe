import Datasets
import Learning
import Pipeline

/// `fit`: gradient descent on one parameterization, one instance per point,
/// trained in batches.
struct FitOp: Operation {
    let name = "fit"
    let summary = "Trains a model (linear, squared u∘u, diagonal u^D − v^D) by GD or SGD with explicit penalties, or a denoiser on diffusion pairs; points sharing data train together in batches."
    let output = ArtifactKind.fits
    let inputs = [
        InputSlot("input", accepts: .data, also: [.diffusion],
                  doc: "The data to train on (test rows, when split, give test metrics), or a diffuse stage's pairs to train a denoiser on."),
        InputSlot("compare", accepts: .references, required: false, multiple: true,
                  doc: "Reference stages: a dist_<name> metric per reference, per record and final."),
    ]
    let usesRandomness = true
    /// 2: linear models with d > n train in the row space, and one-column
    /// products go to dgemv (the same iterates, other last bits).
    /// 3: full-batch steps in the weights fuse products and update by blocks
    /// of 256 rows of W, and batches are dealt round-robin (other last bits).
    let numericsVersion = 3

    let schema = Schema([
        KeySpec("model", .choice(of: FitModel.self), .defaulted(.string(FitModel.linear.rawValue)),
                doc: "linear: w; squared: w = u∘u; diagonal: w = u^D − v^D. On diffusion pairs, the denoiser f(x, t) ≈ ε_t of each step t: linear (W_tᵀ(x − x̄) + b_t), random_features (a trained output layer on fixed ReLU features of width `features`), or the closed forms empirical_optimal (optimal for the training images themselves: it memorizes) and wiener (Gaussian-optimal linear)."),
        KeySpec("features", .integer(min: 1, max: 1_000_000), .defaulted(.number(256)),
                doc: "p, the width of the random_features denoiser."),
        KeySpec("depth", .integer(min: 2, max: 32), .defaulted(.number(2)), doc: "D of the diagonal model."),
        KeySpec("loss", .choice(of: FitLoss.self), .defaulted(.string(FitLoss.squared.rawValue)),
                doc: "squared: 1/(2n)‖Xw − y‖²; logistic: mean log(1 + exp(−y·x·w)), labels ±1; softmax (model linear): the multinomial logistic loss of labels 0…L−1, one weight vector per class — a CRF without transitions, trained like one."),
        KeySpec("boundaries", .boolean, .defaulted(.bool(true)),
                doc: "model crf: start and end weights (CRFsuite's model has none)."),
        KeySpec("init_scale", .number(.nonNegative),
                doc: "α: parameters start at α (constant) or α·|z| (gaussian); default 0 for linear, 1 otherwise."),
        KeySpec("init", .choice(of: InitShape.self), .defaulted(.string(InitShape.constant.rawValue)),
                doc: "constant, or gaussian draws from the point's random stream."),
        KeySpec("l2", .either([.number(.nonNegative), .choice(["oracle"])], description: "a number ≥ 0 or oracle"),
                .defaulted(.number(0)),
                doc: "λ of λ/2·‖w‖²; oracle: σ²·d/(n·‖w*‖²), the optimal ridge penalty for an isotropic synthetic design (Dobriban & Wager 2018)."),
        KeySpec("weight_decay", .number(.nonNegative), .defaulted(.number(0)), doc: "λ of λ/2·‖θ‖² on the parameters."),
        KeySpec("l1", .number(.nonNegative), .defaulted(.number(0)), doc: "λ of λ·‖w‖₁, by a proximal step (linear only)."),
        KeySpec("optimizer", .record(Schema([
            KeySpec("method", .choice(of: FitMethod.self), .defaulted(.string(FitMethod.gd.rawValue)),
                    doc: "Full-batch GD, minibatch SGD, exact: the closed form of the linear model (ridge, or min-norm least squares at l2 = 0), flow: gradient flow (GD as lr → 0) by a stiff ODE integrator, recorded at times lr·step, or lbfgs: L-BFGS (OWL-QN with l1) by liblbfgs, for crf and softmax."),
            KeySpec("gtol", .number(.positive), .defaulted(.number(1e-5)),
                    doc: "lbfgs: stop when ‖∇‖ < gtol·max(1, ‖θ‖)."),
            KeySpec("lr", .either([.number(.positive), .choice(["auto"])], description: "a number > 0 or auto"),
                    .defaulted(.string("auto")), doc: "The step size, or auto (see the README for the rule)."),
            KeySpec("lr_scale", .number(.positive), .defaulted(.number(1)), doc: "The multiple of the automatic step."),
            KeySpec("batch_size", .integer(min: 1), .defaulted(.number(32)), doc: "SGD's minibatch size."),
            KeySpec("steps", .integer(min: 0), .defaulted(.number(1000)), doc: "The most updates."),
            KeySpec("tol", .number(.nonNegative), doc: "Stop when the training objective is at most this."),
            KeySpec("rtol", .number(.nonNegative), doc: "Stop when the objective changes by at most this, relatively, in a step."),
            KeySpec("residual_tol", .number(.nonNegative), doc: "Stop when ‖Xw − y‖/‖y‖ is at most this (squared loss)."),
            KeySpec("divergence", .number(NumberBounds(min: 1, minInclusive: false)), .defaulted(.number(1e10)),
                    doc: "Diverged when the loss exceeds this multiple of its initial value (or is NaN or infinite)."),
            KeySpec("t_max", .number(.positive), doc: "Flow: stop at this flow time (default lr·steps, the time GD reaches)."),
            KeySpec("evaluations", .integer(min: 1), .defaulted(.number(1_000_000)),
                    doc: "Flow: stop after this many gradient evaluations."),
            KeySpec("ode_rtol", .number(.positive), .defaulted(.number(1e-8)),
                    doc: "Flow: the integrator's relative error per step."),
            KeySpec("ode_atol", .number(.positive), .defaulted(.number(1e-12)),
                    doc: "Flow: the integrator's absolute error per step, on its state s (w = φ(Xᵀs))."),
        ])), doc: "How to train."),
        KeySpec("record", .record(Schema([
            KeySpec("every", .integer(min: 0), doc: "Record the metrics every this many steps (0: never; default steps/100)."),
        ])), doc: "The trajectory."),
    ], aliases: [
        "lambda": "l2", "lamda": "l2", "lam": "l2", "ridge": "l2", "reg": "l2", "penalty": "l2", "alpha": "init_scale",
        "wd": "weight_decay", "decay": "weight_decay", "lasso": "l1", "scale": "init_scale",
        "learning_rate": "optimizer.lr", "epochs": "optimizer.steps", "iterations": "optimizer.steps",
        "iters": "optimizer.steps", "max_iter": "optimizer.steps", "parameterization": "model",
    ], rules: FitOp.rules)

    /// The pipeline key of each field the fit rules read.
    static let keyOfField: [FitSpec.Field: String] = [
        .model: "model", .depth: "depth", .loss: "loss", .initScale: "init_scale", .initShape: "init", .l2: "l2",
        .weightDecay: "weight_decay", .l1: "l1", .method: "optimizer.method", .batchSize: "optimizer.batch_size",
        .learningRate: "optimizer.lr", .steps: "optimizer.steps", .recordEvery: "record.every",
        .timeBudget: "optimizer.t_max", .evaluations: "optimizer.evaluations", .flowTolerance: "optimizer.ode_rtol",
    ]

    /// `FitSpec.rules` — the one validator of fits — as the schema's rules:
    /// each reads its fields' keys (`optimizer.lr_scale` with the step size)
    /// and points at the key of its first field.
    static let rules: [Schema.Rule] = sequenceRules + FitSpec.rules.map { rule in
        var reads = rule.fields.compactMap { keyOfField[$0] }
        if rule.fields.contains(.learningRate) { reads.append("optimizer.lr_scale") }
        if rule.fields.contains(.recordEvery) || rule.fields.contains(.steps) { reads += ["optimizer.steps", "record.every"] }
        if rule.fields.contains(.flowTolerance) { reads.append("optimizer.ode_atol") }
        let key = keyOfField[rule.fields[0]] ?? rule.fields[0].rawValue
        return Schema.Rule(reads: reads) { values in
            guard let spec = try? FitParameters(values).fitSpec(), let message = rule.problem(spec) else { return [] }
            return [(key, message)]
        }
    }

    /// CRFs and softmax train by GD or L-BFGS; L-BFGS trains nothing else.
    static let sequenceRules: [Schema.Rule] = [
        Schema.Rule(reads: ["optimizer.method", "model", "loss"]) { values in
            guard let p = try? FitParameters(values) else { return [] }
            if p.isSequenceModel {
                if p.methodName != .gd && p.methodName != .lbfgs {
                    return [("optimizer.method", "\(p.name == .crf ? "model crf" : "loss softmax") trains by gd or lbfgs")]
                }
                if p.lossName == .logistic { return [("loss", "model crf has its own loss (the sequences' negative log-likelihood)")] }
                if p.name != .crf && p.name != .linear { return [("loss", "loss softmax needs model linear (or crf)")] }
                if p.stopping.residualTol != nil { return [("optimizer.residual_tol", "residual_tol is for regression; a CRF stops on gtol, rtol, tol or steps")] }
                if p.l2 == nil { return [("l2", "l2: oracle is for synthetic regression data; give a CRF or softmax a number")] }
                return []
            }
            return p.methodName == .lbfgs ? [("optimizer.method", "lbfgs trains model crf and loss softmax")] : []
        },
    ]

    func decodes(_ parameters: ValueMap) throws(ParameterError) { _ = try FitParameters(parameters) }

    /// A denoiser needs diffusion pairs, and diffusion pairs a denoiser trained
    /// by GD or in closed form on the squared loss with an l2 penalty.
    func inputProblems(_ parameters: ValueMap, inputs: [String: ArtifactKind]) -> [(key: String, message: String)] {
        guard let p = try? FitParameters(parameters), let input = inputs["input"] else { return [] }
        if p.isSequenceModel && input == .diffusion {
            return [("model", "a CRF or softmax trains on labelled data, not on diffusion pairs")]
        }
        if p.isSequenceModel && inputs["compare"] != nil {
            return [("compare", "references are regression weights; a CRF or softmax has no dist_ metrics")]
        }
        guard input == .diffusion else {
            return p.name.isDenoiserOnly
                ? [("model", "model \(p.name.rawValue) is a denoiser: its input must be a diffuse stage")] : []
        }
        var problems: [(key: String, message: String)] = []
        if (p.name.family != nil && p.name != .linear) || p.name == .crf {
            problems.append(("model", "a fit of diffusion pairs trains a denoiser: model linear, random_features, empirical_optimal or wiener, not \(p.name.rawValue)"))
        }
        switch p.method {
        case .gd, .exact: break
        default: problems.append(("optimizer.method", "a denoiser trains by gd or in closed form (exact)"))
        }
        if p.loss != .squared { problems.append(("loss", "a denoiser's loss is the squared error of its noise prediction")) }
        if p.l1 > 0 { problems.append(("l1", "a denoiser takes l2 (and weight_decay), not l1")) }
        if p.stopping.residualTol != nil { problems.append(("optimizer.residual_tol", "residual_tol is for regression; a denoiser stops on tol, rtol or steps")) }
        if p.l2 == nil { problems.append(("l2", "l2: oracle is for synthetic regression data; give a denoiser a number")) }
        if inputs["compare"] != nil { problems.append(("compare", "references are solved on regression data, not on diffusion pairs")) }
        return problems
    }
}

/// The keys of a fit that only train — the random features of a denoiser do
/// not depend on them, so a λ, α or step-size sweep trains one set of features.
let trainingOnlyKeys: Set<String> = ["l2", "weight_decay", "init_scale", "init", "record.every"]

/// The stream of a denoiser point's random features: the point's identity
/// without the coordinates of keys that only train (`trainingOnlyKeys`,
/// `optimizer.*`), with its width.
public func denoiserFeatureStream(for instance: StageInstance, seed: UInt64, width: Int) -> RandomStream {
    let kept = instance.coordinates.filter { coordinate in
        guard coordinate.stage == instance.stage, coordinate.role == .swept else { return true }
        let key = coordinate.name.hasPrefix(instance.stage + ".") ? String(coordinate.name.dropFirst(instance.stage.count + 1)) : coordinate.name
        return !(trainingOnlyKeys.contains(key) || key.hasPrefix("optimizer."))
    }
    return RandomStream(seed: seed).derived("\(instance.stage)/features/width=\(width)/"
        + kept.map { "\($0.name)=\($0.value.canonical)" }.joined(separator: ","))
}

/// The losses a fit names: regression's (`LossKind`) and the multinomial softmax.
public enum FitLoss: String, Sendable, CaseIterable {
    case squared, logistic, softmax
}

/// The methods a fit names: regression's (`OptimizerKind`) and L-BFGS.
public enum FitMethod: String, Sendable, CaseIterable {
    case gd, sgd, exact, flow, lbfgs
}

extension FitParameters {
    /// Whether the point is trained by the sequence engine: a CRF, or per-token softmax regression.
    public var isSequenceModel: Bool { name == .crf || lossName == .softmax }

    /// What, besides `FitSpec.BatchKey`, points must share to train in one
    /// batch: the sequence engine's layout and method ("" for regression and denoisers).
    public var engine: String {
        isSequenceModel ? "\(name == .crf ? "crf" : "softmax")/boundaries=\(boundaries)/\(methodName.rawValue)" : ""
    }

    /// The sequence engine's spec for L states and d features.
    public func crfSpec(states: Int, features: Int) -> CRFSpec {
        CRFSpec(layout: CRFLayout(states: states, features: features, boundaries: boundaries, transitions: name == .crf),
                l2: (l2 ?? 0) + weightDecay, l1: l1, method: methodName == .lbfgs ? .lbfgs(gtol: gtol) : .gd,
                learningRate: learningRate, stopping: stopping,
                recordEvery: methodName == .lbfgs ? 0 : recordEvery ?? max(1, stopping.steps / 100))
    }
}

/// The models a fit names: the parameterizations of regression (`ModelFamily`)
/// and the denoisers of diffusion pairs (`DenoiserModel`).
public enum FitModel: String, Sendable, CaseIterable {
    case linear, squared, diagonal
    case randomFeatures = "random_features"
    case empiricalOptimal = "empirical_optimal"
    case wiener
    case crf

    /// The regression parameterization, for the names that are one.
    public var family: ModelFamily? { ModelFamily(rawValue: rawValue) }
    /// Whether the name is a denoiser only (linear is both).
    public var isDenoiserOnly: Bool { family == nil && self != .crf }
}

/// The keys that can change a point's batch structure (`FitSpec.BatchKey`):
/// only sweeps over these split a sweep into several groups of batches.
public let fitBatchingKeys: Set<String> = [
    "model", "depth", "loss", "boundaries", "optimizer.method", "optimizer.batch_size", "record.every", "optimizer.steps",
    "optimizer.ode_rtol", "optimizer.ode_atol",
]

/// A fit stage's parameters, typed: decoded once from the validated values.
public struct FitParameters: Sendable {
    /// The model as named; `model` is its regression parameterization (linear for the denoiser-only names).
    public var name: FitModel
    /// The loss and method as named (softmax and lbfgs are the sequence engine's).
    public var lossName: FitLoss
    public var methodName: FitMethod
    public var gtol: Double
    public var boundaries: Bool
    /// p of random_features.
    public var width: Int
    public var model: ModelKind
    public var loss: LossKind
    /// α; nil: 0 for the linear model, 1 otherwise.
    public var initScale: Double?
    public var initShape: InitShape
    /// λ of λ/2·‖w‖², or nil for `oracle` (resolved with the data).
    public var l2: Double?
    public var weightDecay: Double
    public var l1: Double
    public var method: OptimizerMethod
    public var learningRate: LearningRate
    public var stopping: Stopping
    /// nil: steps/100 (at least 1); exact fits record nothing.
    public var recordEvery: Int?

    public init(_ values: ValueMap) throws(ParameterError) {
        let p = ParameterReader(values)
        name = try p.choice("model", as: FitModel.self)
        width = try p.integer("features")
        model = (name.family ?? .linear).kind(depth: try p.integer("depth"))
        lossName = try p.choice("loss", as: FitLoss.self)
        // softmax is trained by the sequence engine; the regression spec sees the squared loss.
        loss = LossKind(rawValue: lossName.rawValue) ?? .squared
        boundaries = try p.bool("boundaries")
        methodName = try p.choice("optimizer.method", as: FitMethod.self)
        gtol = try p.number("optimizer.gtol")
        initScale = try p.optionalNumber("init_scale")
        initShape = try p.choice("init", as: InitShape.self)
        // A number, or the word oracle.
        l2 = values["l2"]?.string == "oracle" ? nil : try p.number("l2")
        weightDecay = try p.number("weight_decay")
        l1 = try p.number("l1")
        // lbfgs trains CRFs and softmax only; the regression spec sees GD.
        method = (OptimizerKind(rawValue: methodName.rawValue) ?? .gd).method(
            batchSize: try p.integer("optimizer.batch_size"),
            flowTolerance: FlowTolerance(relative: try p.number("optimizer.ode_rtol"), absolute: try p.number("optimizer.ode_atol")))
        // A number, or the word auto.
        if values[path: "optimizer.lr"]?.string == "auto" {
            learningRate = .auto(scale: try p.number("optimizer.lr_scale"))
        } else {
            learningRate = .fixed(try p.number("optimizer.lr"))
        }
        stopping = Stopping(steps: try p.integer("optimizer.steps"), tol: try p.optionalNumber("optimizer.tol"),
                            rtol: try p.optionalNumber("optimizer.rtol"), residualTol: try p.optionalNumber("optimizer.residual_tol"),
                            divergenceFactor: try p.number("optimizer.divergence"), timeBudget: try p.optionalNumber("optimizer.t_max"),
                            evaluations: try p.integer("optimizer.evaluations"))
        recordEvery = try p.optionalInteger("record.every")
    }

    /// The learning engine's spec of the point; `l2: oracle` reads as
    /// `oracleL2` (0 where the data is not at hand: batching, validation).
    public func fitSpec(oracleL2: Double = 0) -> FitSpec {
        FitSpec(model: model, loss: loss, initScale: initScale ?? (model == .linear ? 0 : 1), initShape: initShape,
                penalty: Penalty(l2: l2 ?? oracleL2, weightDecay: weightDecay, l1: l1), method: method,
                learningRate: learningRate, stopping: stopping,
                recordEvery: method == .exact ? 0 : recordEvery ?? max(1, stopping.steps / 100))
    }

    /// The denoiser of the point, for a fit of diffusion pairs.
    public var denoiserSpec: DenoiserSpec {
        let denoiser: DenoiserModel
        switch name {
        case .randomFeatures: denoiser = .randomFeatures(width: width)
        case .empiricalOptimal: denoiser = .empiricalOptimal
        case .wiener: denoiser = .wiener
        case .linear, .squared, .diagonal, .crf: denoiser = .linear  // the others are refused on diffusion pairs
        }
        let spec = fitSpec()
        return DenoiserSpec(model: denoiser, l2: (l2 ?? 0) + weightDecay, initScale: spec.initScale, initShape: initShape,
                            exact: method == .exact || !denoiser.isTrained, learningRate: learningRate, stopping: stopping,
                            recordEvery: spec.recordEvery)
    }

    /// The spec of the point to train on `data`, with `l2: oracle` resolved
    /// (`Ridge.oracleLambda`).
    public func fitSpec(data: DataArtifact) throws -> FitSpec {
        fitSpec(oracleL2: l2 == nil ? try Ridge.oracleLambda(for: data.train) : 0)
    }
}
