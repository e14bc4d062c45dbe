import Base
import Foundation
import HDF5
import Pipeline
import LinearAlgebra
import Report

/// Writes the results file of DESIGN §3:
///
///     /                        attrs: regime_version, name, seed, pipeline, overrides,
///                                     created, numerics_version, resolved, regime_key
///     /summary/<column>        1-D, P: coordinates, stage, status, stop, steps, lr, metrics
///     /summary/point           the point index: the dimension scale `point`
///     /weights                 P × d (or /weights/<point> when d differs)
///     /trajectories/step       T recorded steps (scale `step`), /trajectories/point (scale)
///     /trajectories/<metric>   P × T, NaN after a point stopped
///     /truth                   d (one data instance) or P × d
///     /references/<name>       d (fixed, one data instance) or P × d
///     /point, /feature         scales of the per-point arrays
///
/// Float64 throughout, strings variable-length UTF-8, large arrays chunked with
/// shuffle + deflate. The file is written beside its target under a temporary
/// name, flushed, closed and fsynced with every step checked, read back, and
/// only then renamed into place (`DurableFile`): readers never see a
/// half-written file, and a failure leaves the previous results as they were.
struct ResultsWriter {
    let gatherer: PointGatherer
    let instance: KeyedInstance
    let spec: PipelineSpec
    let locking: FileLocking
    let includeWeights: Bool
    let includeTrajectories: Bool

    func write(to target: String) throws {
        try DurableFile.replace(target, write: { temporary in
            try File.withNew(temporary, locking: locking) { try writeFile($0) }
        }, verify: { temporary in
            try ResultsWriter.verify(temporary, points: gatherer.points.count, locking: locking)
        })
    }

    /// Reads a finished file back: it opens, and every summary column holds
    /// one value per point.
    static func verify(_ path: String, points: Int, locking: FileLocking) throws {
        let file = try File.open(path, locking: locking)
        defer { try? file.close() }
        let summary = try file.openGroup("summary")
        for name in try summary.memberNames() {
            let shape = try summary.openDataset(name).shape
            guard shape == [points] else {
                throw ResultsFileError(message: "/summary/\(name) holds shape \(shape), not \(points) values")
            }
        }
    }

    private func writeFile(_ file: File) throws {
        let count = gatherer.points.count
        try provenance(file)

        // Per-point arrays: datasets made up front, rows streamed per batch.
        let features = gatherer.uniformFeatures
        let steps = includeTrajectories ? gatherer.recordedSteps : []
        let metricNames = gatherer.metricNames
        let shared = gatherer.sharedDataKey
        let references = gatherer.referenceNames

        var pointScale: HDF5.Dataset?
        var featureScale: HDF5.Dataset?
        if let features, count > 0 {
            pointScale = try file.write("point", (0..<count).map { Int64($0) })
            try pointScale!.makeDimensionScale(named: "point")
            featureScale = try file.writeStrings("feature", features)
            try featureScale!.makeDimensionScale(named: "feature")
        }
        func perPoint(_ name: String, in container: Container, rows: Int) throws -> HDF5.Dataset? {
            guard let features else {
                try container.createGroup(name)
                return nil
            }
            let set = try container.createDataset(name, of: Double.self, shape: [rows, features.count])
            if rows == count, let pointScale, let featureScale {
                try set.attachDimensionScale(pointScale, toAxis: 0)
                try set.attachDimensionScale(featureScale, toAxis: 1)
            }
            try set.write([Double](repeating: .nan, count: rows * features.count))
            return set
        }
        let weights = includeWeights ? try perPoint("weights", in: file, rows: count) : nil
        var truthSet: HDF5.Dataset?, truthShared = false
        let anyTruth = gatherer.batchKeys.contains { gatherer.headers[$0]!.hasTruth }
        if anyTruth {
            if shared != nil, let features {
                truthSet = try file.createDataset("truth", of: Double.self, shape: [features.count])
                if let featureScale { try truthSet!.attachDimensionScale(featureScale, toAxis: 0) }
                truthShared = true
            } else {
                truthSet = try perPoint("truth", in: file, rows: count)
            }
        }
        let referenceGroup = references.isEmpty ? nil : try file.createGroup("references")
        var referenceSets: [String: (set: HDF5.Dataset?, shared: Bool)] = [:]
        for name in references {
            let fixedEverywhere = gatherer.batchKeys.allSatisfy { gatherer.headers[$0]!.fixedReferences.contains(name) }
            if fixedEverywhere, shared != nil, let features {
                let set = try referenceGroup!.createDataset(name, of: Double.self, shape: [features.count])
                if let featureScale { try set.attachDimensionScale(featureScale, toAxis: 0) }
                referenceSets[name] = (set, true)
            } else {
                referenceSets[name] = (try perPoint(name, in: referenceGroup!, rows: count), false)
            }
        }
        var trajectorySets: [String: HDF5.Dataset] = [:]
        if !steps.isEmpty {
            let group = try file.createGroup("trajectories")
            let stepScale = try group.write("step", steps.map { Int64($0) })
            try stepScale.makeDimensionScale(named: "step")
            let point = try group.write("point", (0..<count).map { Int64($0) })
            try point.makeDimensionScale(named: "point")
            for name in metricNames {
                let set = try group.createDataset(name, of: Double.self, shape: [count, steps.count])
                try set.write([Double](repeating: .nan, count: count * steps.count))
                try set.attachDimensionScale(point, toAxis: 0)
                try set.attachDimensionScale(stepScale, toAxis: 1)
                trajectorySets[name] = set
            }
        }
        let stepIndex = Dictionary(uniqueKeysWithValues: steps.enumerated().map { ($1, $0) })

        let table = try gatherer.summary { record, rows in
            func put(_ values: [Double], _ name: String, _ set: HDF5.Dataset?, in container: Container, output: Int) throws {
                if let set { try set.writeRows(values, at: output) } else { try container.write("\(name)/\(output)", values) }
            }
            var wroteShared = Set<String>()
            for (output, row) in rows {
                if includeWeights { try put(record.weights[row], "weights", weights, in: file, output: output) }
                if let truth = record.truth {
                    if truthShared {
                        if wroteShared.insert("truth").inserted { try truthSet!.write(truth) }
                    } else {
                        try put(truth, "truth", truthSet, in: file, output: output)
                    }
                }
                for (name, values) in record.fixedReferences {
                    let target = referenceSets[name]!
                    if target.shared {
                        if wroteShared.insert(name).inserted { try target.set!.write(values) }
                    } else {
                        try put(values, name, target.set, in: referenceGroup!, output: output)
                    }
                }
                for (name, values) in record.matchedReferences {
                    try put(values[row], name, referenceSets[name]!.set, in: referenceGroup!, output: output)
                }
                for (index, name) in record.metricNames.enumerated() where !steps.isEmpty {
                    try trajectorySets[name]!.writeRows(trajectoryRow(record, metric: index, row: row, steps: steps,
                                                                      stepIndex: stepIndex), at: output)
                }
            }
        }

        let summary = try file.createGroup("summary")
        let point = try summary.write("point", (0..<count).map { Int64($0) })
        try point.makeDimensionScale(named: "point")
        for (name, column) in zip(table.names, table.columns) {
            let set: HDF5.Dataset
            switch column {
            case .numbers(let values): set = try summary.write(name, values)
            case .strings(let values): set = try summary.writeStrings(name, values)
            }
            try set.attachDimensionScale(point, toAxis: 0)
        }
    }

    private func trajectoryRow(_ record: FitBatchRecord, metric: Int, row: Int, steps: [Int], stepIndex: [Int: Int]) -> [Double] {
        var values = [Double](repeating: .nan, count: steps.count)
        for (position, step) in record.recordedSteps.enumerated() {
            if let column = stepIndex[step] { values[column] = record.trajectories[metric][row][position] }
        }
        return values
    }

    private func provenance(_ file: File) throws {
        try file.setAttribute("regime_version", regimeVersion)
        try file.setAttribute("name", spec.name)
        try file.setAttribute("seed", Int64(spec.seed))
        try file.setAttribute("pipeline", spec.text)
        try file.setAttribute("pipeline_file", spec.path)
        try file.setAttribute("overrides", spec.overrides)
        if let description = spec.description { try file.setAttribute("description", description) }
        try file.setAttribute("created", ISO8601DateFormatter().string(from: Date()))
        try file.setAttribute("numerics_version", Int64(ContentKey.numericsVersion))
        // What the numbers depend on besides regime: the BLAS build and kernels
        // (results are bit-identical only for the same ones) and HDF5.
        try file.setAttribute("blas", BLAS.configuration)
        try file.setAttribute("hdf5_version", HDF5Library.version)
        try file.setAttribute("resolved", ResultsWriter.resolved(spec))
        try file.setAttribute("regime_key", instance.key)
    }

    /// The resolved parameters of every stage, with defaults filled in and
    /// `--set` applied, as JSON.
    static func resolved(_ spec: PipelineSpec) -> String {
        let stages = spec.stages.map { stage -> String in
            var fields = ["\"op\":" + Value.string(stage.operation.name).canonical,
                          "\"parameters\":" + Value.map(stage.parameters).canonical]
            if !stage.inputs.isEmpty {
                fields.append("\"inputs\":" + Value.map(ValueMap(stage.inputs.map { ($0.slot, .list($0.stages.map(Value.string))) })).canonical)
            }
            if !stage.sweep.isEmpty {
                fields.append("\"sweep\":" + Value.string(stage.sweep.shape).canonical)
            }
            return Value.string(stage.id).canonical + ":{" + fields.joined(separator: ",") + "}"
        }
        return "{\"seed\":\(spec.seed),\"batch_width\":\(spec.batchWidth),\"stages\":{" + stages.joined(separator: ",") + "}}"
    }
}

/// A results file that does not hold what was written into it.
struct ResultsFileError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
