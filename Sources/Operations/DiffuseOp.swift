import Datasets
import Pipeline

/// `diffuse`: the denoising training set of a diffusion model. Runs the
/// forward process x_t = x_{t−1} + ε_t, ε_t ~ N(0, σ_t² I), on every training
/// (and held-out) image, `copies` chains each, and hands downstream the pairs
/// (x_t, ε_t) of every step t, which a fit's denoiser learns to invert.
struct DiffuseOp: InstanceOperation {
    let name = "diffuse"
    let summary = "Runs the forward process x_t = x_{t−1} + ε_t on images (split before, so held-out images stay apart) and makes the denoising pairs (x_t, ε_t) of every step."
    let output = ArtifactKind.diffusion
    let inputs = [InputSlot("input", accepts: .data, doc: "Images (load's image stack; split first for held-out images).")]
    let usesRandomness = true

    /// The stage's parameters, typed.
    struct Parameters {
        var steps: Int?
        var spacing: NoiseSchedule.Spacing
        var sigmaMin: Double, sigmaMax: Double
        var sigmas: [Double]?
        var copies: Int
        var testCopies: Int
        var images: Int?
        var latent: Int?
        var conditioned: Bool
        var labelDropout: Double

        init(_ values: ValueMap) throws(ParameterError) {
            let p = ParameterReader(values)
            steps = try p.optionalInteger("steps")
            spacing = try p.choice("spacing", as: NoiseSchedule.Spacing.self)
            sigmaMin = try p.number("sigma_min")
            sigmaMax = try p.number("sigma_max")
            sigmas = try p.optionalNumbers("sigmas")
            copies = try p.integer("copies")
            testCopies = try p.integer("test_copies")
            images = try p.optionalInteger("images")
            latent = try p.optionalInteger("latent.pca")
            conditioned = try p.choice("condition", as: Condition.self) == .label
            labelDropout = try p.number("label_dropout")
        }

        var schedule: NoiseSchedule {
            sigmas.map { NoiseSchedule(sigmas: $0) } ?? NoiseSchedule(steps: steps ?? 10, first: sigmaMin, last: sigmaMax, spacing: spacing)
        }
    }

    /// Labels a conditioned denoiser takes: 0 … classLimit − 1.
    static let classLimit = 1000

    /// What a denoiser is told besides x_t.
    enum Condition: String, CaseIterable {
        case none, label
    }

    let schema = Schema([
        KeySpec("steps", .integer(min: 1, max: 10_000), doc: "T, the number of noising steps (default 10)."),
        KeySpec("spacing", .choice(of: NoiseSchedule.Spacing.self), .defaulted(.string(NoiseSchedule.Spacing.geometric.rawValue)),
                doc: "How σ_t runs from sigma_min (t = 1) to sigma_max (t = T): linear or geometric."),
        KeySpec("sigma_min", .number(.positive), .defaulted(.number(0.1)), doc: "σ_1, in the images' units."),
        KeySpec("sigma_max", .number(.positive), .defaulted(.number(20)),
                doc: "σ_T; the reverse process starts from x_T ~ N(0, (Σσ_t²) I), so Σσ_t² should dwarf the images' spread."),
        KeySpec("sigmas", .list(.number(.positive), minCount: 1), sweepable: false,
                doc: "σ_1…σ_T given outright (instead of steps, spacing, sigma_min and sigma_max)."),
        KeySpec("copies", .integer(min: 1), .defaulted(.number(10)), doc: "K: noisy chains per training image, so K pairs per image and step."),
        KeySpec("test_copies", .integer(min: 1), .defaulted(.number(10)),
                doc: "Noisy chains per held-out image: the pairs the test losses average over."),
        KeySpec("images", .integer(min: 1), doc: "Use the first this many training images (default: all); sweep it for a data-size study."),
        KeySpec("latent", .record(Schema([
            KeySpec("pca", .integer(min: 1), doc: "k: diffuse the images' coordinates in the top-k principal components of the training images; samples are decoded back to pixels."),
        ])), doc: "Latent diffusion (\"stable diffusion\"): the space the forward process runs in (default: pixels)."),
        KeySpec("condition", .choice(of: Condition.self), .defaulted(.string(Condition.none.rawValue)),
                doc: "label: the denoisers also see the image's class (one-hot), the analogue of text conditioning; sample's guidance then steers it."),
        KeySpec("label_dropout", .number(NumberBounds(min: 0, max: 1, maxInclusive: false)), .defaulted(.number(0.1)),
                doc: "With condition: label, the probability that a training pair is shown without its class (so the one denoiser is also the unconditional one guidance needs)."),
    ], aliases: ["T": "steps", "schedule": "spacing", "k": "copies", "noise_copies": "copies", "n_images": "images"], rules: [
        Schema.Rule(reads: ["sigmas", "steps"]) { values in
            guard values["sigmas"] != nil, values["steps"] != nil else { return [] }
            return [("sigmas", "give sigmas: or steps: (with sigma_min, sigma_max), not both")]
        },
    ])

    func decodes(_ parameters: ValueMap) throws(ParameterError) { _ = try Parameters(parameters) }

    func run(_ instance: StageInstance, inputs: [String: [Artifact]], context: ExecutionContext) throws -> Artifact {
        guard let data = inputs["input"]?.first?.data else { preconditionFailure("diffuse without data") }
        let fail = { (message: String) in StageFailure(identity: instance.identity, kind: .input, message: message) }
        let p = try Parameters(instance.parameters)
        guard let shape = data.train.imageShape else {
            throw fail("diffuse needs images: load an N × h × w image stack, or give load image_shape: [h, w] for rows of h·w pixels")
        }
        // Class labels: whole numbers 0 … 999 (one-hot inputs beyond that would be a data error, not a class).
        func images(_ set: Dataset) -> ImageSet {
            let labelled = set.firstNonClassLabel(below: DiffuseOp.classLimit) == nil
            return ImageSet(images: set.x, shape: shape, labels: labelled ? set.y.map { Int($0) } : nil)
        }
        var train = images(data.train)
        if let count = p.images {
            guard count <= train.count else {
                throw fail("images: \(count) asks for more training images than the input holds (\(train.count))")
            }
            train = train.prefix(count)
        }
        let test = data.test.map(images)
        if p.conditioned {
            guard train.labels != nil else {
                throw fail("condition: label needs class labels, and the input images have none (load's y: whole numbers 0 … \(DiffuseOp.classLimit - 1))")
            }
            guard test == nil || test!.labels != nil else {
                throw fail("condition: label needs labels on the held-out images too (whole numbers 0 … \(DiffuseOp.classLimit - 1))")
            }
        }
        if let k = p.latent, k > train.pixels {
            throw fail("latent.pca: \(k) components of \(train.pixels)-pixel images; at most \(train.pixels)")
        }
        let diffusion = try DiffusionData(train: train, test: test, classifierImages: images(data.train), schedule: p.schedule,
                                          copies: p.copies, testCopies: p.testCopies, latent: p.latent, conditioned: p.conditioned,
                                          labelDropout: p.labelDropout, stream: context.stream(for: instance))
        var artifact = DataArtifact(train: data.train.selectingRows(0..<train.count), test: data.test, diffusion: diffusion)
        artifact.train.imageShape = shape
        return .data(artifact)
    }
}

extension DiffuseOp: DataShaping {
    /// The pairs: images × copies rows per step, T steps.
    func shape(of instance: StageInstance, input: DataShape?, spec: PipelineSpec) -> DataShape? {
        guard let input, let p = try? Parameters(instance.parameters) else { return nil }
        let images = min(p.images ?? input.trainRows, input.trainRows), steps = p.schedule.steps
        return DataShape(trainRows: 2 * images * p.copies * steps, testRows: 2 * input.testRows * p.testCopies * steps,
                         features: p.latent.map { min($0, input.features) } ?? input.features, steps: steps)
    }
}
