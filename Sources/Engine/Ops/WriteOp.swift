import Base
import HDF5
import Pipeline
import Report
import ResultsFormat

/// An op whose one instance gathers every point of its input stages.
protocol GatherOperation: Operation {
    func run(_ instance: KeyedInstance, gatherer: PointGatherer, output: String, context: ExecutionContext) throws
}

/// `write`: the results file of DESIGN §3.
struct WriteOp: GatherOperation {
    let name = "write"
    let summary = "Writes every point of its fit stages to one HDF5 results file: summary columns, weights, trajectories, truth, references, provenance."
    let output = ArtifactKind.file
    let inputs = [InputSlot("input", accepts: .fits, multiple: true, doc: "The fit stage(s) to gather, in order.")]
    let gathers = true

    let schema = Schema([
        KeySpec("path", .file(.output), .required, sweepable: false,
                doc: "The results file (.h5), relative to the pipeline file; replaced atomically."),
        KeySpec("weights", .boolean, .defaulted(.bool(true)), sweepable: false, doc: "Write the final weights."),
        KeySpec("trajectories", .boolean, .defaulted(.bool(true)), sweepable: false, doc: "Write the recorded trajectories."),
    ], reads: ["path"], check: { values in
        guard let path = values["path"]?.string?.lowercased(),
              ![".h5", ".hdf5", ".he5"].contains(where: { path.hasSuffix($0) }) else { return [] }
        return [("path", "a results file is HDF5: end its name in .h5")]
    })

    func run(_ instance: KeyedInstance, gatherer: PointGatherer, output: String, context: ExecutionContext) throws {
        try ResultsWriter(gatherer: gatherer, instance: instance, spec: context.spec, locking: context.locking,
                          includeWeights: instance.parameters["weights"]?.bool ?? true,
                          includeTrajectories: instance.parameters["trajectories"]?.bool ?? true).write(to: output)
    }
}

/// `export`: the summary (or the trajectories) as CSV.
struct ExportOp: GatherOperation {
    let name = "export"
    let summary = "Writes the summary of its fit stages as CSV (one row per point), or the trajectories in long format."
    let output = ArtifactKind.file
    let inputs = [InputSlot("input", accepts: .fits, multiple: true, doc: "The fit stage(s) to gather, in order.")]
    let gathers = true

    let schema = Schema([
        KeySpec("path", .file(.output), .required, sweepable: false,
                doc: "The CSV file, relative to the pipeline file; replaced atomically."),
        KeySpec("trajectories", .boolean, .defaulted(.bool(false)), sweepable: false,
                doc: "Write the trajectories in long format (point, coordinates, step, metrics) instead of the summary."),
    ], reads: ["path"], check: { values in
        guard let path = values["path"]?.string?.lowercased(), !path.hasSuffix(".csv") else { return [] }
        return [("path", "export writes CSV: end its name in .csv")]
    })

    func run(_ instance: KeyedInstance, gatherer: PointGatherer, output: String, context: ExecutionContext) throws {
        let text = instance.parameters["trajectories"]?.bool == true
            ? CSV.trajectories(try gatherer.results(name: output)) : CSV.summary(try gatherer.summary().table)
        try CSV.write(text, to: output)
    }
}

/// `plot`: an SVG plot of the gathered points, as `regime plot` draws it.
struct PlotOp: GatherOperation {
    let name = "plot"
    let summary = "Draws an SVG plot of its fit stages: a final metric against a swept coordinate (series by another, mean and band over rep), or trajectories against the step."
    let output = ArtifactKind.file
    let inputs = [InputSlot("input", accepts: .fits, multiple: true, doc: "The fit stage(s) to plot, in order.")]
    let gathers = true

    let schema = Schema([
        KeySpec("path", .file(.output), .required, sweepable: false, doc: "The SVG file, relative to the pipeline file."),
        KeySpec("x", .string, .defaulted(.string("step")), sweepable: false,
                doc: "The coordinate on the x axis (ignored with trajectory: true)."),
        KeySpec("y", .list(.string, minCount: 1), .required, sweepable: false, doc: "The metric(s) on the y axis."),
        KeySpec("by", .string, sweepable: false, doc: "A coordinate whose values become series."),
        KeySpec("log_x", .boolean, .defaulted(.bool(false)), sweepable: false, doc: "A logarithmic x axis."),
        KeySpec("log_y", .boolean, .defaulted(.bool(false)), sweepable: false, doc: "A logarithmic y axis."),
        KeySpec("trajectory", .boolean, .defaulted(.bool(false)), sweepable: false,
                doc: "Plot the recorded trajectories of y against the step."),
        KeySpec("title", .string, sweepable: false, doc: "The title (default: y against x, and the pipeline's name)."),
    ], reads: ["path"], check: { values in
        guard let path = values["path"]?.string?.lowercased(), !path.hasSuffix(".svg") else { return [] }
        return [("path", "plot writes SVG: end its name in .svg")]
    })

    func run(_ instance: KeyedInstance, gatherer: PointGatherer, output: String, context: ExecutionContext) throws {
        let p = instance.parameters
        let spec = PlotSpec(x: p["x"]!.string!, y: p["y"]!.list!.compactMap(\.string), by: p["by"]?.string,
                            logX: p["log_x"]!.bool!, logY: p["log_y"]!.bool!, trajectory: p["trajectory"]!.bool!,
                            title: p["title"]?.string)
        let svg = try Plot.svg(try gatherer.results(name: context.spec.name), spec)
        try DurableFile.write(svg, to: output)
    }
}

