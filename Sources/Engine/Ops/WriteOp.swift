import HDF5
import Pipeline

/// An op whose one instance gathers every point of its input stages.
protocol GatherOperation: Operation {
    func run(_ instance: StageInstance, gatherer: PointGatherer, output: String, context: ExecutionContext) throws
}

/// `write`: the results file of DESIGN §3.
struct WriteOp: GatherOperation {
    let name = "write"
    let summary = "Writes every point of its fit stages to one HDF5 results file: summary columns, weights, trajectories, truth, references, provenance."
    let output = ArtifactKind.file
    let inputs = [InputSlot("input", accepts: .fits, multiple: true, doc: "The fit stage(s) to gather, in order.")]
    let gathers = true

    let schema = Schema([
        KeySpec("path", .path(mustExist: false), .required, sweepable: false,
                doc: "The results file (.h5), relative to the pipeline file; replaced atomically."),
        KeySpec("weights", .boolean, .defaulted(.bool(true)), sweepable: false, doc: "Write the final weights."),
        KeySpec("trajectories", .boolean, .defaulted(.bool(true)), sweepable: false, doc: "Write the recorded trajectories."),
    ], check: { values in
        guard let path = values["path"]?.string?.lowercased(),
              ![".h5", ".hdf5", ".he5"].contains(where: { path.hasSuffix($0) }) else { return [] }
        return [("path", "a results file is HDF5: end its name in .h5")]
    })

    func run(_ instance: StageInstance, gatherer: PointGatherer, output: String, context: ExecutionContext) throws {
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
        KeySpec("path", .path(mustExist: false), .required, sweepable: false,
                doc: "The CSV file, relative to the pipeline file; replaced atomically."),
        KeySpec("trajectories", .boolean, .defaulted(.bool(false)), sweepable: false,
                doc: "Write the trajectories in long format (point, coordinates, step, metrics) instead of the summary."),
    ], check: { values in
        guard let path = values["path"]?.string?.lowercased(), !path.hasSuffix(".csv") else { return [] }
        return [("path", "export writes CSV: end its name in .csv")]
    })

    func run(_ instance: StageInstance, gatherer: PointGatherer, output: String, context: ExecutionContext) throws {
        let table = try SummaryTable(gatherer)
        let text = instance.parameters["trajectories"]?.bool == true
            ? try CSVWriter.trajectories(gatherer, table) : CSVWriter.summary(table, rows: gatherer.points.count)
        try CSVWriter.write(text, to: output)
    }
}
