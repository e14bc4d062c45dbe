import Datasets
import Learning
import Pipeline

/// `fit`: gradient descent on one parameterization, one instance per point,
/// trained in batches.
struct FitOp: Operation {
    let name = "fit"
    let summary = "Trains a model (linear, squared u∘u, diagonal u^D − v^D) by GD or SGD with explicit penalties; points sharing data train together in batches."
    let output = ArtifactKind.fits
    let inputs = [
        InputSlot("input", accepts: .data, doc: "The data to train on (test rows, when split, give test metrics)."),
        InputSlot("compare", accepts: .references, required: false, multiple: true,
                  doc: "Reference stages: a dist_<name> metric per reference, per record and final."),
    ]
    let usesRandomness = true

    let schema = Schema([
        KeySpec("model", .choice(["linear", "squared", "diagonal"]), .defaulted(.string("linear")),
                doc: "linear: w; squared: w = u∘u; diagonal: w = u^D − v^D."),
        KeySpec("depth", .integer(min: 2, max: 32), .defaulted(.number(2)), doc: "D of the diagonal model."),
        KeySpec("loss", .choice(["squared", "logistic"]), .defaulted(.string("squared")),
                doc: "squared: 1/(2n)‖Xw − y‖²; logistic: mean log(1 + exp(−y·x·w)), labels ±1."),
        KeySpec("init_scale", .number(.nonNegative),
                doc: "α: parameters start at α (constant) or α·|z| (gaussian); default 0 for linear, 1 otherwise."),
        KeySpec("init", .choice(["constant", "gaussian"]), .defaulted(.string("constant")),
                doc: "constant, or gaussian draws from the point's random stream."),
        KeySpec("l2", .either([.number(.nonNegative), .choice(["oracle"])], description: "a number ≥ 0 or oracle"),
                .defaulted(.number(0)),
                doc: "λ of λ/2·‖w‖²; oracle: σ²·d/(n·‖w*‖²), the optimal ridge penalty for an isotropic synthetic design (Dobriban & Wager 2018)."),
        KeySpec("weight_decay", .number(.nonNegative), .defaulted(.number(0)), doc: "λ of λ/2·‖θ‖² on the parameters."),
        KeySpec("l1", .number(.nonNegative), .defaulted(.number(0)), doc: "λ of λ·‖w‖₁, by a proximal step (linear only)."),
        KeySpec("optimizer", .record(Schema([
            KeySpec("method", .choice(["gd", "sgd", "exact"]), .defaulted(.string("gd")),
                    doc: "Full-batch GD, minibatch SGD, or exact: the closed form of the linear model (ridge, or min-norm least squares at l2 = 0)."),
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
        ])), doc: "How to train."),
        KeySpec("record", .record(Schema([
            KeySpec("every", .integer(min: 0), doc: "Record the metrics every this many steps (0: never; default steps/100)."),
        ])), doc: "The trajectory."),
    ], aliases: [
        "lambda": "l2", "lamda": "l2", "lam": "l2", "ridge": "l2", "reg": "l2", "penalty": "l2", "alpha": "init_scale",
        "wd": "weight_decay", "decay": "weight_decay", "lasso": "l1", "scale": "init_scale",
        "learning_rate": "optimizer.lr", "epochs": "optimizer.steps", "iterations": "optimizer.steps",
        "iters": "optimizer.steps", "max_iter": "optimizer.steps", "parameterization": "model",
    ], reads: ["model", "l1", "init_scale", "optimizer.method", "loss"], check: { values in
        var problems: [(key: String, message: String)] = []
        let model = values["model"]?.string ?? "linear"
        if (values["l1"]?.number ?? 0) > 0, model != "linear" {
            problems.append(("l1", "l1 needs model: linear (it is a proximal step on w)"))
        }
        if model != "linear", values["init_scale"]?.number == 0 {
            problems.append(("init_scale", "init_scale must be positive for the \(model) model: from 0 its gradient is zero"))
        }
        if values[path: "optimizer.method"]?.string == "exact", model != "linear" || values["loss"]?.string == "logistic" {
            problems.append(("optimizer.method", "method exact solves the linear model with the squared loss"))
        }
        return problems
    })

    /// The keys that can change a point's batch structure (`FitSpec.BatchKey`):
    /// only sweeps over these split a sweep into several groups of batches.
    static let batchingKeys: Set<String> = [
        "model", "depth", "loss", "optimizer.method", "optimizer.batch_size", "record.every", "optimizer.steps",
    ]

    /// The learning engine's spec of one point, for batching: `l2: oracle`
    /// needs the data and reads as 0 here (see `fitSpec(_:data:)`).
    static func fitSpec(_ p: ValueMap) -> FitSpec {
        let modelName = p["model"]!.string!
        let model: ModelKind = modelName == "linear" ? .linear : modelName == "squared" ? .squared
            : .diagonal(depth: p["depth"]!.integer!)
        let exactly = p[path: "optimizer.method"]?.string == "exact"
        let steps = p[path: "optimizer.steps"]!.integer!
        let lr: LearningRate = p[path: "optimizer.lr"]?.number.map { .fixed($0) }
            ?? .auto(scale: p[path: "optimizer.lr_scale"]!.number!)
        let method: OptimizerMethod
        switch p[path: "optimizer.method"]?.string {
        case "sgd": method = .sgd(batchSize: p[path: "optimizer.batch_size"]!.integer!)
        case "exact": method = .exact
        default: method = .gd
        }
        return FitSpec(
            model: model, loss: LossKind(rawValue: p["loss"]!.string!)!,
            initScale: p["init_scale"]?.number ?? (model == .linear ? 0 : 1),
            initShape: InitShape(rawValue: p["init"]!.string!)!,
            penalty: Penalty(l2: p["l2"]?.number ?? 0, weightDecay: p["weight_decay"]!.number!, l1: p["l1"]!.number!),
            method: method, learningRate: lr,
            stopping: Stopping(steps: steps, tol: p[path: "optimizer.tol"]?.number, rtol: p[path: "optimizer.rtol"]?.number,
                               residualTol: p[path: "optimizer.residual_tol"]?.number,
                               divergenceFactor: p[path: "optimizer.divergence"]!.number!),
            recordEvery: exactly ? 0 : p[path: "record.every"]?.integer ?? max(1, steps / 100))
    }

    /// The spec of one point to train on `data`, with `l2: oracle` resolved
    /// (`Ridge.oracleLambda`).
    static func fitSpec(_ p: ValueMap, data: DataArtifact) throws -> FitSpec {
        var spec = fitSpec(p)
        if p["l2"]?.string == "oracle" { spec.penalty.l2 = try Ridge.oracleLambda(for: data.train) }
        return spec
    }
}
