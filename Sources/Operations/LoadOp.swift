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

    /// How a data file is read.
    enum Format: String, CaseIterable {
        /// By the file's extension.
        case auto, csv, hdf5

        /// The format a path's extension says, or nil.
        static func of(_ path: String) -> Format? {
            let lower = path.lowercased()
            if lower.hasSuffix(".csv") || lower.hasSuffix(".txt") { return .csv }
            if [".h5", ".hdf5", ".he5", ".hdf"].contains(where: { lower.hasSuffix($0) }) { return .hdf5 }
            return nil
        }

        /// This format for `path`, with auto resolved (nil: the extension says nothing).
        func resolved(for path: String) -> Format? { self == .auto ? Format.of(path) : self }
    }

    /// The stage's parameters, typed.
    struct Parameters {
        var path: String
        var format: Format
        var target: String?
        var features: [String]?
        var x: String, y: String
        var names: String?
        var imageShape: [Int]?
        var lengths: String?
        var offsets: String?
        var sequence: String?
        var dropNonFinite: Bool
        var test: (path: String, x: String, y: String)?

        init(_ values: ValueMap) throws(ParameterError) {
            let p = ParameterReader(values)
            path = try p.string("path")
            format = try p.choice("format", as: Format.self)
            target = try p.optionalString("target")
            features = try p.optionalStrings("features")
            x = try p.string("x")
            y = try p.string("y")
            names = try p.optionalString("names")
            imageShape = try p.optionalIntegers("image_shape")
            lengths = try p.optionalString("lengths")
            offsets = try p.optionalString("offsets")
            sequence = try p.optionalString("sequence")
            dropNonFinite = try p.bool("drop_nonfinite")
            if let testPath = try p.optionalString("test.path") {
                test = (testPath, try p.string("test.x"), try p.string("test.y"))
            }
        }
    }

    let schema = Schema([
        KeySpec("path", .file(.input), .required, doc: "The data file, relative to the pipeline file."),
        KeySpec("format", .choice(of: Format.self), .defaulted(.string(Format.auto.rawValue)),
                doc: "auto: by extension (.csv; .h5, .hdf5)."),
        KeySpec("target", .string, doc: "CSV: the column of y (required for CSV)."),
        KeySpec("features", .list(.string, minCount: 1), doc: "CSV: the columns of X, in order (default: every other column)."),
        KeySpec("x", .string, .defaulted(.string("/X")), doc: "HDF5: the dataset of X (n × d)."),
        KeySpec("y", .string, .defaulted(.string("/y")), doc: "HDF5: the dataset of y (n)."),
        KeySpec("names", .string, doc: "HDF5: a 1-D string dataset of feature names."),
        KeySpec("image_shape", .list(.integer(min: 1), minCount: 2),
                doc: "[height, width] of the images when X holds one flattened image per row (an n × h × w stack says its own shape); an image stack's y may be absent (no labels)."),
        KeySpec("lengths", .string, doc: "HDF5: a 1-D dataset of sequence lengths: the rows are tokens of consecutive sequences (for CRFs)."),
        KeySpec("offsets", .string, doc: "HDF5: a 1-D dataset of each sequence's first row (from 0), instead of lengths."),
        KeySpec("sequence", .string,
                doc: "CSV: a numeric sequence-id column: the rows are tokens, each sequence's rows together (for CRFs); the column is not a feature."),
        KeySpec("drop_nonfinite", .boolean, .defaulted(.bool(false)),
                doc: "Drop rows with NaN, infinite or missing values (and report how many) instead of failing."),
        KeySpec("test", .record(Schema([
            KeySpec("path", .file(.input), .required, doc: "The test file."),
            KeySpec("x", .string, .defaulted(.string("/X")), doc: "HDF5: the dataset of X."),
            KeySpec("y", .string, .defaulted(.string("/y")), doc: "HDF5: the dataset of y."),
        ])), doc: "A predefined test set in the same format (then no split is needed)."),
    ], aliases: ["file": "path", "label": "target", "y_column": "target", "columns": "features"], rules: [
        Schema.Rule(reads: ["path", "test.path", "format"]) { values in
            guard let p = try? Parameters(values) else { return [] }
            return [("path", p.path), ("test.path", p.test?.path)].compactMap { key, path in
                guard let path, p.format.resolved(for: path) == nil else { return nil }
                return (key, "cannot tell the format of '\(path)' from its extension; set format: csv or hdf5")
            }
        },
        Schema.Rule(reads: ["image_shape"]) { values in
            guard let shape = (try? Parameters(values))?.imageShape, shape.count != 2 else { return [] }
            return [("image_shape", "give two sizes, [height, width]; found \(shape.count)")]
        },
        Schema.Rule(reads: ["drop_nonfinite", "lengths", "offsets", "sequence"]) { values in
            guard values["drop_nonfinite"]?.bool == true, ["lengths", "offsets", "sequence"].contains(where: { values[$0] != nil }) else { return [] }
            return [("drop_nonfinite", "dropping rows would join the tokens around them into one sequence; clean the sequences first")]
        },
        Schema.Rule(reads: ["lengths", "offsets", "sequence"]) { values in
            ["lengths", "offsets", "sequence"].filter { values[$0] != nil }.count > 1
                ? [("sequence", "give one of lengths:, offsets: (HDF5) or sequence: (CSV)")] : []
        },
        Schema.Rule(reads: ["path", "format", "target"]) { values in
            guard let p = try? Parameters(values), p.format.resolved(for: p.path) == .csv, p.target == nil else { return [] }
            return [("path", "a CSV file needs target: (the column of y)")]
        },
    ])

    func decodes(_ parameters: ValueMap) throws(ParameterError) { _ = try Parameters(parameters) }

    func run(_ instance: StageInstance, inputs: [String: [Artifact]], context: ExecutionContext) throws -> Artifact {
        let p = try Parameters(instance.parameters)
        func read(path: String, x: String, y: String) throws -> Dataset {
            let resolved = context.spec.resolve(path)
            var (data, _): (Dataset, LoadReport)
            if p.format.resolved(for: path) == .csv {
                (data, _) = try Dataset.loadCSV(path: resolved, target: p.target ?? "y", features: p.features,
                                                dropNonFinite: p.dropNonFinite)
                if let shape = p.imageShape {
                    guard shape.reduce(1, *) == data.features else {
                        throw DataError(file: resolved, message: "rows of \(data.features) features cannot be \(shape.map(String.init).joined(separator: " × ")) images (image_shape)")
                    }
                    data.imageShape = shape
                }
            } else {
                (data, _) = try Dataset.loadHDF5(path: resolved, x: x, y: y, features: p.names, imageShape: p.imageShape,
                                                 dropNonFinite: p.dropNonFinite, locking: context.locking)
            }
            // The bytes read must be those whose digest is in the content key.
            do {
                try context.inputFiles.verifyUnchanged(resolved)
            } catch {
                throw DataError(file: resolved, message: "changed while regime was reading it; run again to use the new contents")
            }
            return data
        }
        var train = try read(path: p.path, x: p.x, y: p.y)
        var test: Dataset?
        if let held = p.test {
            let data = try read(path: held.path, x: held.x, y: held.y)
            guard data.features == train.features else {
                throw DataError(file: context.spec.resolve(held.path),
                                message: "the test set has \(data.features) features, the training set \(train.features)")
            }
            test = data
        }
        // Sequences: from a dataset of lengths (HDF5) or a sequence-id column (CSV).
        if let object = p.lengths ?? p.offsets {
            func sequences(_ data: Dataset, _ path: String) throws -> Dataset {
                let resolved = context.spec.resolve(path)
                let values = try Dataset.readSequenceLengths(path: resolved, dataset: object, locking: context.locking)
                return p.lengths != nil ? try data.withSequenceLengths(values, file: resolved, object: object)
                    : try data.withSequenceOffsets(values, file: resolved, object: object)
            }
            train = try sequences(train, p.path)
            if let held = p.test, let data = test { test = try sequences(data, held.path) }
        }
        if let column = p.sequence {
            let ids: [Double]
            (train, ids) = try train.withSequenceColumn(column, file: context.spec.resolve(p.path))
            if let held = p.test, let data = test {
                let heldPath = context.spec.resolve(held.path)
                let testIDs: [Double]
                (test, testIDs) = try data.withSequenceColumn(column, file: heldPath)
                if let shared = Set(ids).intersection(testIDs).min() {
                    throw DataError(file: heldPath, message: "sequence \(SequenceID.text(shared)) is in both the training file and the test file; a sequence belongs to one of them")
                }
            }
        }
        return .data(DataArtifact(train: train, test: test))
    }
}

extension LoadOp: DataShaping {
    /// From the file's header: HDF5 dataset shapes, or a CSV file's line count
    /// and header, read in blocks (an upper bound: blank lines and quoted line breaks count as rows).
    func shape(of instance: StageInstance, input: DataShape?, spec: PipelineSpec) -> DataShape? {
        guard let p = try? Parameters(instance.parameters) else { return nil }
        func rowsAndFeatures(path: String, x: String) -> (Int, Int)? {
            let resolved = spec.resolve(path)
            if p.format.resolved(for: path) == .csv {
                guard let (rows, columns) = Dataset.csvShapeBound(path: resolved) else { return nil }
                return (rows, p.features?.count ?? max(columns - 1, 1))
            }
            guard let file = try? File.open(resolved, locking: .off) else { return nil }
            defer { try? file.close() }
            guard let shape = try? file.openDataset(x).shape, let rows = shape.first else { return nil }
            return (rows, shape.dropFirst().reduce(1, *))
        }
        guard let (rows, features) = rowsAndFeatures(path: p.path, x: p.x) else { return nil }
        let test = p.test.flatMap { rowsAndFeatures(path: $0.path, x: $0.x)?.0 } ?? 0
        return DataShape(trainRows: rows, testRows: test, features: features)
    }
}
