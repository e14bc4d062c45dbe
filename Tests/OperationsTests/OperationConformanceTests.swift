import Base
import Datasets
import Foundation
import HDF5
import Learning
@testable import Operations
import Pipeline
import ResultsFormat
import Testing
import TestSupport

/// Every registered op, checked the same way (in the spirit of scikit-learn's
/// `check_estimator`): its schema's defaults decode into its typed parameters,
/// every word of every choice it documents decodes, and it runs on a toy input.
/// A new op must join the toy pipeline below, or the first test fails.
@Suite("every op: defaults, choices, a toy run")
struct OperationConformanceTests {
    /// One stage of each op, on toy data.
    static let toy = """
    seed: 4
    stages:
      data: {op: load, path: data.csv, target: y}
      synth: {op: synthesize, n: 30, d: 8, noise: 0.1}
      split: {op: split, input: synth, test: 10}
      std: {op: standardize, input: split}
      refs: {op: reference, input: std, solutions: [min_l2, ridge]}
      fit: {op: fit, input: std, compare: refs, optimizer: {steps: 50}, record: {every: 10}}
      results: {op: write, input: fit, path: out/r.h5}
      table: {op: export, input: fit, path: out/t.csv}
      figure: {op: plot, input: fit, path: out/f.svg, y: [train_mse], trajectory: true}
      images: {op: load, path: images.csv, target: label, image_shape: [2, 2]}
      held: {op: split, input: images, test: 2}
      noisy: {op: diffuse, input: held, steps: 2, copies: 3, condition: label, latent: {pca: 3}}
      denoiser: {op: fit, input: noisy, model: random_features, features: 5, optimizer: {method: exact}}
      generated: {op: sample, input: denoiser, count: 4, components: 2, guidance: 1}
    """

    func toyPipeline() throws -> (TemporaryDirectory, PipelineSpec) {
        let directory = try TemporaryDirectory("conformance")
        try directory.write("data.csv", "a,b,y\n1,2,3\n2,1,3.5\n0,1,1\n4,0,4.2\n")
        try directory.write("images.csv", "p1,p2,p3,p4,label\n0,1,2,3,0\n3,2,1,0,1\n1,1,0,0,0\n0,0,1,1,1\n2,0,2,0,0\n0,2,0,2,1\n")
        let spec = try PipelineLoader(registry: regimeOperations).parse(text: Self.toy, path: directory.file("toy.yaml"),
                                                                        directory: directory.path)
        return (directory, spec)
    }

    @Test("the toy pipeline has one stage of every registered op")
    func coverage() throws {
        let (_, spec) = try toyPipeline()
        #expect(Set(spec.stages.map(\.operation.name)) == Set(regimeOperations.names))
        #expect(regimeOperations.names.count == 11)
    }

    @Test("defaults decode, and every documented choice decodes, for every op", arguments: regimeOperations.names)
    func choices(name: String) throws {
        let (_, spec) = try toyPipeline()
        let stage = try #require(spec.stages.first { $0.operation.name == name })
        try stage.operation.decodes(stage.parameters)
        var tried = 0
        for (key, words) in Self.choiceKeys(stage.operation.schema) {
            for word in words {
                var values = stage.parameters
                values[path: key] = Self.isList(stage.operation.schema, key) ? .list([.string(word)]) : .string(word)
                #expect(throws: Never.self, "\(name).\(key) = \(word)") { try stage.operation.decodes(values) }
                tried += 1
            }
        }
        let expected = ["fit": 7 + 3 + 2 + 5 + 2, "load": 3, "diffuse": 2 + 2, "sample": 2, "synthesize": 2 + 2 + 2 + 2 + 2, "reference": 5 + 2].reduce(into: [String: Int]()) { $0[$1.key] = $1.value }
        #expect(tried == expected[name] ?? 0, "\(name): \(tried) choice words")
    }

    @Test("each op runs on the toy input: data, references, a fit batch, and the three outputs")
    func toyRun() throws {
        let (directory, spec) = try toyPipeline()
        let plan = try KeyedPlan(Plan(spec), files: FileDigests())
        let context = ExecutionContext(spec: spec, locking: .off, inputFiles: NoVerification(), cancelled: { false })
        var artifacts: [Int: Artifact] = [:]
        for expansion in plan.plan.expansions {
            let operation = expansion.stage.operation
            for index in expansion.range {
                let instance = plan.instance(index)
                // A sample reads a trained fit point: run below, after its denoiser.
                if let op = operation as? any InstanceOperation, !op.readsFitData {
                    var inputs: [String: [Artifact]] = [:]
                    for slot in instance.inputs { inputs[slot.slot] = slot.instances.compactMap { artifacts[$0] } }
                    artifacts[index] = try op.run(instance.instance, inputs: inputs, context: context)
                }
            }
        }
        // The denoiser fit's one point, then the sample stage on it.
        let noisy = try #require(artifacts[plan.indices(of: "noisy").first!]?.data?.diffusion)
        #expect(noisy.train.count == 4 && noisy.test?.count == 2 && noisy.trainPairs.count == 2 && noisy.trainPairs[0].noisy.rows == 12)
        #expect(noisy.dimension == 3 && noisy.classes == 2 && noisy.trainPairs[0].condition?.columns == 2)
        let denoiserPoint = plan.instance(plan.indices(of: "denoiser").first!)
        let denoiserParameters = try FitParameters(denoiserPoint.parameters)
        let features = denoiserFeatureStream(for: denoiserPoint.instance, seed: spec.seed, width: 5)
        let trained = try DenoiserBatch(data: noisy, points: [denoiserParameters.denoiserSpec], initStreams: [RandomStream(seed: 1)],
                                        featureStreams: [features]).run()
        let sampleInstance = plan.instance(plan.indices(of: "generated").first!)
        let point = FitPointArtifact(spec: denoiserParameters.denoiserSpec, denoiser: try #require(trained.results[0].weights).flattened,
                                     featureStream: features)
        let generated = try #require(try SampleOp().run(sampleInstance.instance, inputs: ["input": [.fitPoint(point)], "data": [.data(DataArtifact(train: Dataset(x: noisy.train.images, y: [0, 0, 0, 0]), diffusion: noisy))]],
                                                        context: context).samples)
        #expect(generated.images.rows == 4 && generated.shape == [2, 2] && generated.images.columns == 4)
        #expect(generated.metricNames == SampleMetrics.names + ["class_agreement", "classifier_test_accuracy", "denoiser_parameters", "sample_flops"])

        let data = try #require(artifacts[plan.indices(of: "data").first!]?.data)
        #expect(data.train.rows == 4 && data.train.features == 2)
        let standardized = try #require(artifacts[plan.indices(of: "std").first!]?.data)
        #expect(standardized.train.rows == 20 && standardized.test?.rows == 10)
        let references = try #require(artifacts[plan.indices(of: "refs").first!]?.references)
        #expect(references.fixed.map(\.name) == ["min_l2"] && references.matched == [.ridge])

        // The fit stage's one point, trained as the engine would.
        let fit = plan.instance(plan.indices(of: "fit").first!)
        let parameters = try FitParameters(fit.parameters)
        let outcome = try FitBatch(train: standardized.train, test: standardized.test,
                                   points: [try parameters.fitSpec(data: standardized)],
                                   initStreams: [context.stream(for: fit.instance)], orderStream: RandomStream(seed: 4),
                                   fixedReferences: references.fixed, matchedReferences: references.matched).run()
        let result = outcome.output.results[0]
        #expect(result.steps == 50 && result.status == .ok)
        let batch = TrainedBatch(stage: "fit", dataKey: "toy", pointKeys: [fit.key], metricNames: outcome.output.metricNames,
                                 featureNames: standardized.train.featureNames, recordedSteps: outcome.output.recordedSteps,
                                 weights: [result.weights], metrics: [result.metrics], status: [result.status.rawValue],
                                 stop: [result.stopReason.rawValue], steps: [Double(result.steps)], learningRates: [result.learningRate],
                                 seconds: [result.seconds], trajectories: outcome.output.metricNames.indices.map { [result.trajectory[$0]] },
                                 truth: standardized.train.truth, fixedReferences: outcome.fixedReferences,
                                 matchedReferences: outcome.matchedReferences)
        let gathered = OneBatch(batch: batch, name: spec.name)
        for id in ["results", "table", "figure"] {
            let instance = plan.instance(plan.indices(of: id).first!)
            let op = try #require(spec.stage(id)?.operation as? any GatherOperation)
            try op.run(instance, gatherer: gathered, output: directory.file("out/\(id)"), context: context)
        }
        let results = try Results(contentsOf: directory.file("out/results"))
        #expect(results.summary.rows == 1 && results.metricNames.contains("dist_ridge") && results.steps == [0, 10, 20, 30, 40, 50])
        let csv = try String(contentsOfFile: directory.file("out/table"), encoding: .utf8)
        #expect(csv.split(separator: "\n").count == 2 && csv.hasPrefix("status,stop,steps,lr,objective,"))
        #expect(try String(contentsOfFile: directory.file("out/figure"), encoding: .utf8).hasPrefix("<svg"))
    }

    /// Every choice key of a schema (dotted for nested records, lists of choices
    /// included) with its words.
    static func choiceKeys(_ schema: Schema, prefix: String = "") -> [(String, [String])] {
        schema.keys.flatMap { spec -> [(String, [String])] in
            switch spec.type {
            case .choice(let words): return [(prefix + spec.name, words)]
            case .list(.choice(let words), _): return [(prefix + spec.name, words)]
            case .record(let inner): return choiceKeys(inner, prefix: prefix + spec.name + ".")
            case .either(let alternatives, _):
                return alternatives.compactMap { if case .choice(let words) = $0 { return (prefix + spec.name, words) } else { return nil } }
            default: return []
            }
        }
    }

    static func isList(_ schema: Schema, _ key: String) -> Bool {
        if case .list? = schema.key(path: key)?.type { return true }
        return false
    }
}

/// Input digests straight from the files (no cache).
struct FileDigests: InputFileDigests {
    func digest(of path: String) throws -> SHA256Digest { try SHA256Digest.ofFile(path) }
}

struct NoVerification: InputVerifying {
    func verifyUnchanged(_ path: String) throws {}
}

/// The gathered points of one trained batch, as the engine's gatherer presents them.
struct OneBatch: GatheredPoints {
    let batch: TrainedBatch
    let name: String

    var count: Int { batch.count }
    var uniformFeatures: [String]? { batch.featureNames }
    var recordedSteps: [Int] { batch.recordedSteps }
    var metricNames: [String] { batch.metricNames }
    var truth: ResultsShape.Sharing? { batch.truth == nil ? nil : .shared }
    var references: [(name: String, sharing: ResultsShape.Sharing)] {
        batch.fixedReferences.map { ($0.name, .shared) } + batch.matchedReferences.map { ($0.name, .perPoint) }
    }

    /// A fit batch gathers no samples.
    func forEachSampleSet(_ body: (Int, SampleArtifact) throws -> Void) throws {}
    var gathersSamples: Bool { false }

    func summary(visit: ((TrainedBatch, [(output: Int, row: Int)]) throws -> Void)?) throws -> (table: Table, roles: [SummaryRole]) {
        try visit?(batch, [(0, 0)])
        var table = Table()
        var roles: [SummaryRole] = []
        table.append("status", .strings(batch.status)); roles.append(.outcome)
        table.append("stop", .strings(batch.stop)); roles.append(.outcome)
        table.append("steps", .numbers(batch.steps)); roles.append(.outcome)
        table.append("lr", .numbers(batch.learningRates)); roles.append(.outcome)
        for (index, metric) in batch.metricNames.enumerated() {
            table.append(metric, .numbers([batch.metrics[0][index]]))
            roles.append(.metric)
        }
        return (table, roles)
    }

    func results(name: String) throws -> Results {
        let (table, roles) = try summary(visit: nil)
        return Results(path: name, attributes: [("name", self.name)], summary: table,
                       roles: Dictionary(uniqueKeysWithValues: zip(table.names, roles)), steps: batch.recordedSteps,
                       trajectories: batch.metricNames.enumerated().map { ($1, batch.trajectories[$0]) })
    }
}
