import Base
import Foundation
import HDF5
import Pipeline
import LinearAlgebra
import ResultsFormat

/// Writes a write stage's results file (docs/results-format.md) from the
/// gathered points: the layout is `ResultsFileWriter`'s, this type feeds it,
/// one batch record at a time, so memory is bounded by a batch.
///
/// The file is written beside its target under a temporary name, flushed,
/// closed and fsynced with every step checked, read back, and only then renamed
/// into place (`DurableFile`): readers never see a half-written file, and a
/// failure leaves the previous results as they were.
struct ResultsWriter {
    let gatherer: any GatheredPoints
    let instance: KeyedInstance
    let spec: PipelineSpec
    let locking: FileLocking
    let includeWeights: Bool
    let includeTrajectories: Bool

    func write(to target: String) throws {
        try DurableFile.replace(target, write: { temporary in
            try File.withNew(temporary, locking: locking) { try writeFile($0) }
        }, verify: { temporary in
            try ResultsFileWriter.verify(temporary, points: gatherer.count, locking: locking)
        })
    }

    private func writeFile(_ file: File) throws {
        let shape = ResultsShape(points: gatherer.count, features: gatherer.uniformFeatures,
                                 steps: includeTrajectories ? gatherer.recordedSteps : [], metrics: gatherer.metricNames,
                                 weights: includeWeights && gatherer.uniformFeatures?.isEmpty != true, truth: gatherer.truth, references: gatherer.references,
                                 rowsDealtTogether: spec.dealingSpan)
        let writer = try ResultsFileWriter(file: file, shape: shape, provenance: provenance)
        let (table, roles) = try gatherer.summary { record, rows in
            for (output, row) in rows {
                try writer.writeWeights(point: output, record.weights[row])
                // A denoiser fit's own file holds its weights; one of its samples does not repeat them.
                if includeWeights, !gatherer.gathersSamples, let denoisers = record.denoisers {
                    try writer.writeDenoiser(point: output, denoisers[row], steps: record.denoiserSteps, outputs: record.denoiserOutputs)
                }
                if let truth = record.truth { try writer.writeTruth(point: output, truth) }
                for (name, values) in record.fixedReferences { try writer.writeReference(name, point: output, values) }
                for (name, values) in record.matchedReferences { try writer.writeReference(name, point: output, values[row]) }
                if includeTrajectories {
                    for (index, name) in record.metricNames.enumerated() {
                        try writer.writeTrajectory(name, point: output, steps: record.recordedSteps,
                                                   values: record.trajectories[index][row])
                    }
                }
            }
        }
        try writer.writeSummary(table, roles: roles)
        // Sample stages' images, one point at a time.
        var perPoint = 0, imageShape: [Int]?
        try gatherer.forEachSampleSet { _, samples in
            perPoint = max(perPoint, samples.images.rows)
            if imageShape == nil { imageShape = samples.shape }
            guard imageShape == samples.shape else {
                throw ResultsError("the gathered samples have images of \(imageShape!) and \(samples.shape) pixels; write them to separate files")
            }
        }
        if let imageShape {
            try writer.prepareSamples(perPoint: perPoint, imageShape: imageShape)
            try gatherer.forEachSampleSet { output, samples in
                try writer.writeSamples(point: output, images: samples.images.storage, nearest: samples.nearestImages.storage,
                                        index: samples.nearestTrain)
            }
        }
    }

    private var provenance: Provenance {
        // What the numbers depend on besides regime: the BLAS build and kernels
        // (results are bit-identical only for the same ones) and HDF5.
        Provenance(regimeVersion: regimeVersion, name: spec.name, seed: spec.seed, pipeline: spec.text, pipelineFile: spec.path,
                   overrides: spec.overrides, description: spec.description, numericsVersion: ContentKey.numericsVersion,
                   blas: BLAS.configuration, resolved: ResultsWriter.resolved(spec), key: instance.key)
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
