import Base
import HDF5
import Pipeline
import Report
import ResultsFormat

/// An op whose one instance gathers every point of its input stages.
public protocol GatherOperation: Operation {
    func run(_ instance: KeyedInstance, gatherer: any GatheredPoints, output: String, context: ExecutionContext) throws
}

/// The trained points a gathering stage reads, in output order, as the engine
/// finds them in its cache.
public protocol GatheredPoints {
    /// How many points.
    var count: Int { get }
    /// The feature names when every point has the same.
    var uniformFeatures: [String]? { get }
    /// The union of the recorded steps, ascending.
    var recordedSteps: [Int] { get }
    /// The union of the metric names, in order of first appearance.
    var metricNames: [String] { get }
    /// Whether any point has a truth, and whether one truth serves them all.
    var truth: ResultsShape.Sharing? { get }
    /// The references, each shared by all points or per point.
    var references: [(name: String, sharing: ResultsShape.Sharing)] { get }
    /// The summary table with each column's role, built in one pass over the
    /// trained batches; `visit` sees each batch with its points' output rows.
    func summary(visit: ((TrainedBatch, [(output: Int, row: Int)]) throws -> Void)?) throws -> (table: Table, roles: [SummaryRole])
    /// The points as a reader sees a results file (for export and plot).
    func results(name: String) throws -> Results
    /// Each gathered sample instance's images, by output position.
    func forEachSampleSet(_ body: (Int, SampleArtifact) throws -> Void) throws
    /// Whether any gathered point is a sample instance.
    var gathersSamples: Bool { get }
}

extension GatheredPoints {
    public func summary() throws -> (table: Table, roles: [SummaryRole]) { try summary(visit: nil) }
}

/// A rule of the gathering ops: the output file's name says its format.
func extensionRule(_ extensions: [String], _ message: String) -> Schema.Rule {
    Schema.Rule(reads: ["path"]) { values in
        guard let path = values["path"]?.string?.lowercased(), !extensions.contains(where: { path.hasSuffix($0) }) else { return [] }
        return [("path", message)]
    }
}

/// `write`: the results file of docs/results-format.md.
struct WriteOp: GatherOperation {
    let name = "write"
    let summary = "Writes every point of its fit stages to one HDF5 results file: summary columns, weights, trajectories, truth, references, provenance."
    let output = ArtifactKind.file
    let inputs = [InputSlot("input", accepts: .fits, also: [.samples], multiple: true,
                                doc: "The fit or sample stage(s) to gather, in order (a sample point carries its denoiser's coordinates and metrics).")]
    let gathers = true

    let schema = Schema([
        KeySpec("path", .file(.output), .required, sweepable: false,
                doc: "The results file (.h5), relative to the pipeline file; replaced atomically."),
        KeySpec("weights", .boolean, .defaulted(.bool(true)), sweepable: false, doc: "Write the final weights."),
        KeySpec("trajectories", .boolean, .defaulted(.bool(true)), sweepable: false, doc: "Write the recorded trajectories."),
    ], rules: [extensionRule([".h5", ".hdf5", ".he5"], "a results file is HDF5: end its name in .h5")])

    struct Parameters {
        var path: String, weights: Bool, trajectories: Bool

        init(_ values: ValueMap) throws(ParameterError) {
            let p = ParameterReader(values)
            path = try p.string("path")
            weights = try p.bool("weights")
            trajectories = try p.bool("trajectories")
        }
    }

    func decodes(_ parameters: ValueMap) throws(ParameterError) { _ = try Parameters(parameters) }

    func run(_ instance: KeyedInstance, gatherer: any GatheredPoints, output: String, context: ExecutionContext) throws {
        let p = try Parameters(instance.parameters)
        try ResultsWriter(gatherer: gatherer, instance: instance, spec: context.spec, locking: context.locking,
                          includeWeights: p.weights, includeTrajectories: p.trajectories).write(to: output)
    }
}

/// `export`: the summary (or the trajectories) as CSV.
struct ExportOp: GatherOperation {
    let name = "export"
    let summary = "Writes the summary of its fit stages as CSV (one row per point), or the trajectories in long format."
    let output = ArtifactKind.file
    let inputs = [InputSlot("input", accepts: .fits, also: [.samples], multiple: true,
                                doc: "The fit or sample stage(s) to gather, in order (a sample point carries its denoiser's coordinates and metrics).")]
    let gathers = true

    let schema = Schema([
        KeySpec("path", .file(.output), .required, sweepable: false,
                doc: "The CSV file, relative to the pipeline file; replaced atomically."),
        KeySpec("trajectories", .boolean, .defaulted(.bool(false)), sweepable: false,
                doc: "Write the trajectories in long format (point, coordinates, step, metrics) instead of the summary."),
    ], rules: [extensionRule([".csv"], "export writes CSV: end its name in .csv")])

    struct Parameters {
        var path: String, trajectories: Bool

        init(_ values: ValueMap) throws(ParameterError) {
            let p = ParameterReader(values)
            path = try p.string("path")
            trajectories = try p.bool("trajectories")
        }
    }

    func decodes(_ parameters: ValueMap) throws(ParameterError) { _ = try Parameters(parameters) }

    func run(_ instance: KeyedInstance, gatherer: any GatheredPoints, output: String, context: ExecutionContext) throws {
        let text = try Parameters(instance.parameters).trajectories
            ? CSV.trajectories(try gatherer.results(name: output)) : CSV.summary(try gatherer.summary().table)
        try CSV.write(text, to: output)
    }
}

/// `plot`: an SVG plot of the gathered points, as `regime plot` draws it.
struct PlotOp: GatherOperation {
    let name = "plot"
    let summary = "Draws an SVG plot of its fit stages: a final metric against a swept coordinate (series by another, mean and band over rep), or trajectories against the step."
    let output = ArtifactKind.file
    let inputs = [InputSlot("input", accepts: .fits, also: [.samples], multiple: true, doc: "The fit or sample stage(s) to plot, in order.")]
    let gathers = true

    let schema = Schema([
        KeySpec("path", .file(.output), .required, sweepable: false, doc: "The SVG file, relative to the pipeline file."),
        KeySpec("x", .string, .defaulted(.string("step")), sweepable: false,
                doc: "The coordinate on the x axis (ignored with trajectory: true)."),
        KeySpec("y", .list(.string, minCount: 1), .required, sweepable: false, doc: "The metric(s) on the y axis."),
        KeySpec("by", .string, sweepable: false, doc: "A coordinate whose values become series."),
        KeySpec("facet", .string, sweepable: false,
                doc: "A coordinate whose values each get a panel (small multiples on shared axes), when one more set of series would be unreadable."),
        KeySpec("log_x", .boolean, .defaulted(.bool(false)), sweepable: false, doc: "A logarithmic x axis."),
        KeySpec("log_y", .boolean, .defaulted(.bool(false)), sweepable: false, doc: "A logarithmic y axis."),
        KeySpec("trajectory", .boolean, .defaulted(.bool(false)), sweepable: false,
                doc: "Plot the recorded trajectories of y against the step."),
        KeySpec("title", .string, sweepable: false, doc: "The title (default: y against x, and the pipeline's name)."),
    ], rules: [extensionRule([".svg"], "plot writes SVG: end its name in .svg")])

    /// The plot the stage draws, from its typed parameters.
    static func plotSpec(_ values: ValueMap) throws(ParameterError) -> PlotSpec {
        let p = ParameterReader(values)
        var spec = PlotSpec(x: try p.string("x"), y: try p.strings("y"), by: try p.optionalString("by"),
                            logX: try p.bool("log_x"), logY: try p.bool("log_y"), trajectory: try p.bool("trajectory"),
                            title: try p.optionalString("title"))
        spec.facet = try p.optionalString("facet")
        return spec
    }

    func decodes(_ parameters: ValueMap) throws(ParameterError) { _ = try PlotOp.plotSpec(parameters) }

    func run(_ instance: KeyedInstance, gatherer: any GatheredPoints, output: String, context: ExecutionContext) throws {
        let spec = try PlotOp.plotSpec(instance.parameters)
        let svg = try Plot.svg(try gatherer.results(name: context.spec.name), spec)
        try DurableFile.write(svg, to: output)
    }
}

