import Base
import Datasets
import class HDF5.File
import Pipeline

/// `load`: a data set from a CSV or HDF5 file, with an optional predefined test set.
struct LoadOp: InstanceOperation {
    let name = "load"
    let summary = "Reads X and y from a CSV file (header row, target column) or an HDF5 file (dataset paths), and optionally a test set."
    let output = ArtifactKind.data
    let inputs: [InputSlot] = []

    let schema = Schema([
        KeySpec("path", .file(.input), .required, doc: "The data file, relative to the pipeline file."),
        KeySpec("format", .choice(["auto", "csv", "hdf5"]), .defaulted(.string("auto")),
                doc: "auto: by extension (.csv; .h5, .hdf5)."),
        KeySpec("target", .string, doc: "CSV: the column of y (required for CSV)."),
        KeySpec("features", .list(.string, minCount: 1), doc: "CSV: the columns of X, in order (default: every other column)."),
        KeySpec("x", .string, .defaulted(.string("/X")), doc: "HDF5: the dataset of X (n × d)."),
        KeySpec("y", .string, .defaulted(.string("/y")), doc: "HDF5: the dataset of y (n)."),
        KeySpec("names", .string, doc: "HDF5: a 1-D string dataset of feature names."),
        KeySpec("drop_nonfinite", .boolean, .defaulted(.bool(false)),
                doc: "Drop rows with NaN, infinite or missing values (and report how many) instead of failing."),
        KeySpec("test", .record(Schema([
            KeySpec("path", .file(.input), .required, doc: "The test file."),
            KeySpec("x", .string, .defaulted(.string("/X")), doc: "HDF5: the dataset of X."),
            KeySpec("y", .string, .defaulted(.string("/y")), doc: "HDF5: the dataset of y."),
        ])), doc: "A predefined test set in the same format (then no split is needed)."),
    ], aliases: ["file": "path", "label": "target", "y_column": "target", "columns": "features"], reads: ["path", "test.path", "format", "target"], check: { values in
        var problems: [(key: String, message: String)] = []
        for (key, path) in [("path", values["path"]?.string), ("test.path", values[path: "test.path"]?.string)] {
            guard let path else { continue }
            if values["format"]?.string == "auto", LoadOp.format(of: path) == nil {
                problems.append((key, "cannot tell the format of '\(path)' from its extension; set format: csv or hdf5"))
            }
        }
        if let path = values["path"]?.string, LoadOp.resolvedFormat(values, path) == "csv", values["target"] == nil {
            problems.append(("path", "a CSV file needs target: (the column of y)"))
        }
        return problems
    })

    static func format(of path: String) -> String? {
        let lower = path.lowercased()
        if lower.hasSuffix(".csv") || lower.hasSuffix(".txt") { return "csv" }
        if [".h5", ".hdf5", ".he5", ".hdf"].contains(where: { lower.hasSuffix($0) }) { return "hdf5" }
        return nil
    }

    static func resolvedFormat(_ values: ValueMap, _ path: String) -> String? {
        let format = values["format"]?.string ?? "auto"
        return format == "auto" ? LoadOp.format(of: path) : format
    }

    func run(_ instance: StageInstance, inputs: [String: [Artifact]], context: ExecutionContext) throws -> Artifact {
        let p = instance.parameters
        func read(path: String, x: String, y: String) throws -> Dataset {
            let resolved = context.spec.resolve(path)
            let (data, _): (Dataset, LoadReport)
            if LoadOp.resolvedFormat(p, path) == "csv" {
                (data, _) = try Dataset.loadCSV(path: resolved, target: p["target"]?.string ?? "y",
                                                features: p["features"]?.list?.compactMap(\.string),
                                                dropNonFinite: p["drop_nonfinite"]?.bool ?? false)
            } else {
                (data, _) = try Dataset.loadHDF5(path: resolved, x: x, y: y, features: p["names"]?.string,
                                                 dropNonFinite: p["drop_nonfinite"]?.bool ?? false, locking: context.locking)
            }
            // The bytes read must be those whose digest is in the content key.
            do {
                try context.inputFiles.verifyUnchanged(resolved)
            } catch {
                throw DataError(file: resolved, message: "changed while regime was reading it; run again to use the new contents")
            }
            return data
        }
        let train = try read(path: p["path"]!.string!, x: p["x"]!.string!, y: p["y"]!.string!)
        var test: Dataset?
        if let testPath = p[path: "test.path"]?.string {
            let data = try read(path: testPath, x: p[path: "test.x"]?.string ?? "/X", y: p[path: "test.y"]?.string ?? "/y")
            guard data.features == train.features else {
                throw DataError(file: context.spec.resolve(testPath),
                                message: "the test set has \(data.features) features, the training set \(train.features)")
            }
            test = data
        }
        return .data(DataArtifact(train: train, test: test))
    }
}

extension LoadOp: DataShaping {
    /// From the file's header: HDF5 dataset shapes, or a CSV file's line count
    /// and header (an upper bound: quoted line breaks count as rows).
    func shape(of instance: StageInstance, input: DataShape?, spec: PipelineSpec) -> DataShape? {
        let p = instance.parameters
        func rowsAndFeatures(path: String, x: String) -> (Int, Int)? {
            let resolved = spec.resolve(path)
            if LoadOp.resolvedFormat(p, path) == "csv" {
                guard let bytes = try? DurableFile.readAll(resolved) else { return nil }
                let lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: true)
                guard let header = lines.first else { return nil }
                let columns = header.split(separator: 0x2C, omittingEmptySubsequences: false).count
                let features = p["features"]?.list?.count ?? max(columns - 1, 1)
                return (lines.count - 1, features)
            }
            guard let file = try? File.open(resolved, locking: .off) else { return nil }
            defer { try? file.close() }
            guard let shape = try? file.openDataset(x).shape, let rows = shape.first else { return nil }
            return (rows, shape.count == 2 ? shape[1] : 1)
        }
        guard let path = p["path"]?.string, let (rows, features) = rowsAndFeatures(path: path, x: p["x"]?.string ?? "/X") else {
            return nil
        }
        var test = 0
        if let testPath = p[path: "test.path"]?.string {
            test = rowsAndFeatures(path: testPath, x: p[path: "test.x"]?.string ?? "/X")?.0 ?? 0
        }
        return DataShape(trainRows: rows, testRows: test, features: features)
    }
}
