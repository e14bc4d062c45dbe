import Datasets
import Pipeline

/// `split`: held-out test rows by a seeded shuffle, or k folds.
struct SplitOp: InstanceOperation {
    let name = "split"
    let summary = "Splits the rows into train and test by a seeded shuffle: a test count or fraction, or k folds (one instance per fold)."
    let output = ArtifactKind.data
    let inputs = [InputSlot("input", accepts: .data, doc: "The data to split.")]
    let usesRandomness = true

    /// The stage's parameters, typed.
    struct Parameters {
        /// A count (≥ 1) or a fraction (< 1) of the rows, or nil with folds.
        var test: Double?
        var folds: Int?
        var fold: Int?

        init(_ values: ValueMap) throws(ParameterError) {
            let p = ParameterReader(values)
            test = try p.optionalNumber("test")
            folds = try p.optionalInteger("folds")
            fold = try p.optionalInteger("fold")
        }

        /// The test rows out of `rows`.
        func testCount(rows: Int) -> Int {
            if let folds, folds > 0 { return (rows + folds - 1) / folds }
            guard let test else { return 0 }
            return test < 1 ? Dataset.testCount(fraction: test, rows: rows) : Int(test)
        }
    }

    let schema = Schema([
        KeySpec("test", .either([.integer(min: 1), .number(NumberBounds(min: 0, minInclusive: false, max: 1, maxInclusive: false))],
                                description: "a test count (an integer ≥ 1) or a fraction in (0, 1)"),
                doc: "Test rows: a count, or a fraction (⌈fraction·n⌉ rows, as scikit-learn)."),
        KeySpec("folds", .integer(min: 2), sweepable: false,
                doc: "k-fold cross-validation instead: k instances, coordinate `fold` = 0…k−1 testing on fold i."),
        KeySpec("fold", .integer(min: 0), sweepable: false, doc: "Set by `folds`: the fold that is the test set."),
    ], aliases: ["test_size": "test", "fraction": "test", "k": "folds", "n_splits": "folds"], rules: [
        Schema.Rule(reads: ["test", "folds"]) { values in
            guard let p = try? Parameters(values) else { return [] }
            switch (p.test, p.folds) {
            case (nil, nil): return [("test", "split needs test: (a count or fraction) or folds: k")]
            case (_?, _?): return [("folds", "give test: or folds:, not both")]
            default: return []
            }
        },
    ])

    func decodes(_ parameters: ValueMap) throws(ParameterError) { _ = try Parameters(parameters) }

    func implicitAxes(_ parameters: ValueMap) -> [Sweep.Axis] {
        guard let folds = (try? Parameters(parameters))?.folds else { return [] }
        return [.folds(count: folds)]
    }

    func run(_ instance: StageInstance, inputs: [String: [Artifact]], context: ExecutionContext) throws -> Artifact {
        guard let data = inputs["input"]?.first?.data else { preconditionFailure("split without data") }
        let fail = { (message: String) in StageFailure(identity: instance.identity, kind: .input, message: message) }
        guard data.test == nil else { throw fail("the input already has test rows (from load's test:); split needs unsplit data") }
        // Sequences stay whole: the units split are sequences then.
        let rows = data.train.unitCount, unit = data.train.sequenceLengths == nil ? "rows" : "sequences"
        // Folds and the plain split share one shuffle stream per input, so the
        // k folds of one data instance partition it.
        var stream = context.stream(for: instance)
        let p = try Parameters(instance.parameters)
        if let folds = p.folds {
            guard folds <= rows else { throw fail("\(folds) folds of \(rows) \(unit)") }
            // The fold axis comes last (after the stage's own sweep): drop it.
            stream = RandomStream(seed: context.spec.seed).derived("\(instance.stage)/folds/" + instance.coordinates
                .dropLast().map { "\($0.name)=\($0.value.canonical)" }.joined(separator: ","))
            let split = data.train.folds(folds, stream: stream)[p.fold ?? 0]
            return .data(DataArtifact(train: split.train, test: split.test))
        }
        let count = p.testCount(rows: rows)
        guard count >= 1, count < rows else {
            throw fail("a test set of \(count) \(unit) leaves \(rows - count) of \(rows) for training; at least one of each is needed")
        }
        let split = data.train.split(testCount: count, stream: stream)
        return .data(DataArtifact(train: split.train, test: split.test))
    }
}

extension SplitOp: DataShaping {
    func shape(of instance: StageInstance, input: DataShape?, spec: PipelineSpec) -> DataShape? {
        guard let input, let p = try? Parameters(instance.parameters) else { return nil }
        // A split of sequences counts sequences: its test rows are that many sequences' tokens.
        let perUnit = max(input.rowsPerUnit ?? 1, 1), units = input.trainRows / perUnit
        let test = min(input.trainRows, p.testCount(rows: units).multipliedReportingOverflow(by: perUnit).partialValue)
        return DataShape(trainRows: input.trainRows - test, testRows: test, features: input.features, rowsPerUnit: input.rowsPerUnit)
    }
}
