import Base
import Foundation
import HDF5
import Learning
import LinearAlgebra
import Pipeline
import Synchronization
import struct Datasets.RandomStream
import struct Datasets.DataError
import struct Datasets.DiffusionData
import struct Datasets.Dataset
import Operations

/// The units of a run: each loads its inputs (from memory or the cache), runs
/// its op or trains its batch, and commits the result to the cache.
extension Runner {
    func execute(_ unit: WorkPlan.Unit, work: WorkPlan) throws {
        if cancelled.isSet { throw CancellationError() }
        defer { release(Runner.reads(unit, plan: plan)) }
        let start = (clock.now - started).seconds
        var kind = "", stage = "", points = 0
        do {
            switch unit.work {
            case .instance(let index):
                kind = "instance"
                stage = plan.instances[index].stage
                try runInstance(index, work: work)
            case .batch(let batch):
                kind = "batch"
                stage = batch.stage
                points = batch.points.count
                try runBatch(batch)
            case .gather(let index):
                kind = "output"
                stage = plan.instances[index].stage
                try runGather(index, work: work)
            }
        } catch let error as StageFailure {
            record(error, points: pointsOf(unit))
            throw error
        } catch is CancellationError {
            throw CancellationError()
        } catch let error as CorruptCacheEntry {
            // Reported as a warning by the run; the next pass recomputes it.
            state.withLock { $0.corruptionFailures += 1 }
            throw error
        } catch let error as DataError {
            let failure = StageFailure(identity: describe(unit), kind: .input, underlying: error)
            record(failure)
            throw failure
        } catch {
            let failure = StageFailure(identity: describe(unit), kind: .computation, underlying: error as any Error & Sendable)
            record(failure, points: pointsOf(unit))
            throw failure
        }
        let end = (clock.now - started).seconds
        state.withLock { state in
            if let trace = state.trace {
                let line = "{\"unit\":\(unit.id),\"kind\":\"\(kind)\",\"stage\":\"\(stage)\",\"points\":\(points),\"dependencies\":\(unit.dependencies),\"start\":\(start),\"end\":\(end)}\n"
                trace.write(Data(line.utf8))
            }
            state.unitsDone += 1
        }
        emitProgress()
    }

    /// Forgets the artifacts no unit of this pass still reads.
    func release(_ indices: [Int]) {
        state.withLock { state in
            for index in indices {
                state.readers[index, default: 1] -= 1
                if state.readers[index, default: 0] <= 0 {
                    state.artifacts[index] = nil
                    spectra.remove(key: plan.instances[index].key)
                }
            }
        }
    }

    func pointsOf(_ unit: WorkPlan.Unit) -> [Int] {
        if case .batch(let batch) = unit.work { return batch.points }
        return []
    }

    func describe(_ unit: WorkPlan.Unit) -> String {
        switch unit.work {
        case .instance(let index), .gather(let index): return plan.instances[index].identity
        case .batch(let batch):
            let points = batch.points
            return "\(batch.stage) batch \(batch.index + 1) (\(points.count) point\(points.count == 1 ? "" : "s"), first \(plan.instances[points[0]].identity))"
        }
    }

    func record(_ failure: StageFailure, points: [Int] = []) {
        state.withLock { state in
            state.failures.append(failure)
            for point in points { state.failedPoints[point] = String(describing: failure.underlying) }
        }
        emitProgress()
    }

    /// The artifact of a data or reference instance: in memory when this run
    /// made it, else (a reference) from the cache, verified. One that went
    /// missing since the plan was made counts as corrupt, so the next pass
    /// recomputes it. Data is never cached: the plan runs every data instance a
    /// running unit reads, before it.
    func artifact(_ index: Int, work: WorkPlan? = nil) throws -> Artifact {
        if let artifact = state.withLock({ $0.artifacts[index] }) { return artifact }
        let instance = plan.instances[index]
        let output = plan.plan.expansion(containing: index).stage.operation.output
        guard !output.isData else {
            preconditionFailure("data instance \(instance.identity) is read before it ran")
        }
        if output == .fits, let work { return try fitPoint(index, work: work) }
        guard let loaded = try cache.loadArtifact(key: instance.key, what: instance.identity) else {
            throw cache.discard(cache.objectPath(instance.key), what: instance.identity, reason: "missing")
        }
        state.withLock { $0.artifacts[index] = loaded }
        return loaded
    }

    /// A fit point as a stage below it reads it: its denoiser, from the batch
    /// the plan puts it in (the batch last read stays in memory for the next point).
    func fitPoint(_ index: Int, work: WorkPlan) throws -> Artifact {
        let instance = plan.instances[index]
        guard let (batchIndex, row) = work.location[index] else { preconditionFailure("fit point \(instance.identity) has no batch") }
        let key = work.batches[batchIndex].key, path = cache.batchPath(key)
        let record: TrainedBatch
        if let (held, loaded) = state.withLock({ $0.lastBatch }), held == key {
            record = loaded
        } else {
            guard let loaded = try cache.loadBatch(from: path) else { throw cache.discard(path, what: "a fit batch", reason: "missing") }
            state.withLock { $0.lastBatch = (key, loaded) }
            record = loaded
        }
        guard row < record.count, record.pointKeys[row] == instance.key else {
            throw cache.discard(path, what: "a fit batch", reason: "it does not hold the points its name says")
        }
        guard let denoisers = record.denoisers else {
            throw StageFailure(identity: instance.identity, kind: .input,
                               message: "sample reads denoisers; \(instance.stage) trained regression models (its input is not a diffuse stage)")
        }
        let parameters = try FitParameters(instance.parameters)
        return .fitPoint(FitPointArtifact(spec: parameters.denoiserSpec, denoiser: denoisers[row],
                                          featureStream: denoiserFeatureStream(for: instance.instance, seed: plan.spec.seed, width: parameters.width)))
    }

    func runInstance(_ index: Int, work: WorkPlan) throws {
        let instance = plan.instances[index]
        guard let operation = plan.plan.expansion(containing: index).stage.operation as? any InstanceOperation else {
            preconditionFailure("\(instance.stage) is not an instance op")
        }
        var inputs: [String: [Artifact]] = [:]
        for slot in instance.inputs { inputs[slot.slot] = try slot.instances.map { try self.artifact($0, work: work) } }
        let artifact = try operation.run(instance.instance, inputs: inputs, context: context)
        if case .data = artifact {
            // Recomputed whenever a reader runs, never cached; a marker for one no stage reads.
            if state.withLock({ $0.readers[index, default: 0] }) == 0 { try cache.saveMarker(instance.key) }
        } else {
            try cache.save(artifact, key: instance.key)
        }
        state.withLock { state in
            if state.readers[index, default: 0] > 0 { state.artifacts[index] = artifact }
            state.succeededInstances.append(index)
            state.report.instancesComputed += 1
        }
    }

    func runBatch(_ batch: WorkPlan.FitBatch) throws {
        let points = batch.points
        let instances = points.map { plan.instances[$0] }
        guard let data = try artifact(batch.data).data else { preconditionFailure("fit input is not data") }
        if let diffusion = data.diffusion { return try runDenoiserBatch(batch, diffusion: diffusion) }
        if try FitParameters(instances[0].parameters).isSequenceModel { return try runSequenceBatch(batch, data: data) }
        let references = try batch.compare.compactMap { try artifact($0).references }
        let identity = "\(batch.stage) batch \(batch.index + 1) (first \(instances[0].identity))"
        var fixed: [(name: String, weights: [Double])] = []
        var matched: [MatchedReference] = []
        for reference in references {
            for entry in reference.fixed where !fixed.contains(where: { $0.name == entry.name }) { fixed.append(entry) }
            for kind in reference.matched where !matched.contains(kind) { matched.append(kind) }
        }
        let outcome: FitBatch.Outcome
        do {
            var fit = FitBatch(train: data.train, test: data.test,
                               points: try instances.map { try FitParameters($0.parameters).fitSpec(data: data) },
                               initStreams: instances.map { context.stream(for: $0.instance) },
                               orderStream: RandomStream(seed: plan.spec.seed).derived(batch.orderLabel),
                               fixedReferences: fixed, matchedReferences: matched)
            // The closed forms' SVD, once per data set for the whole run.
            let spectra = self.spectra, dataKey = plan.instances[batch.data].key
            fit.spectrum = { x, y in try spectra.spectrum(key: dataKey, x: x, y: y) }
            let flag = cancelled
            var reported = 0
            outcome = try fit.run(cancelled: { flag.isSet }) { [self] finished in
                state.withLock { $0.pointsDone += finished - reported }
                reported = finished
                emitProgress()
            }
        } catch {
            throw StageFailure(identity: identity, kind: .computation, underlying: error as any Error & Sendable)
        }
        let output = outcome.output
        if output.cancelled { throw CancellationError() }
        if output.space == .rowSpace, state.withLock({ $0.rowSpaceStages.insert(batch.stage).inserted }) {
            log("regime: \(batch.stage): the linear model trains in the row space of X (d = \(data.train.features) > n = \(data.train.rows)): "
                + "K = XXᵀ once, n coordinates per point")
        }
        for (point, message) in output.messages {
            log("regime: warning: \(instances[point].identity) failed: \(message)")
        }
        let record = TrainedBatch(
            stage: batch.stage, dataKey: plan.instances[batch.data].key, pointKeys: instances.map(\.key),
            metricNames: output.metricNames, featureNames: data.train.featureNames, recordedSteps: output.recordedSteps,
            weights: output.results.map(\.weights), metrics: output.results.map(\.metrics),
            status: output.results.map(\.status.rawValue), stop: output.results.map(\.stopReason.rawValue),
            steps: output.results.map { Double($0.steps) }, learningRates: output.results.map(\.learningRate),
            times: output.results.map(\.time), converged: output.results.map(\.converged),
            seconds: output.results.map(\.seconds),
            trajectories: output.metricNames.indices.map { metric in output.results.map { $0.trajectory[metric] } },
            truth: data.train.truth, fixedReferences: outcome.fixedReferences, matchedReferences: outcome.matchedReferences)
        try cache.save(record, to: cache.batchPath(batch.key))
        state.withLock { state in
            state.succeededInstances += points
            state.report.pointsTrained += points.count
            state.report.batches += 1
            for result in output.results where result.status == .diverged { state.report.diverged += 1 }
        }
    }

    /// A CRF or per-token softmax fit (`CRFBatch`): labelled tokens, in
    /// sequences when the data has them (else each row its own).
    func runSequenceBatch(_ batch: WorkPlan.FitBatch, data: DataArtifact) throws {
        let points = batch.points
        let instances = points.map { plan.instances[$0] }
        let identity = "\(batch.stage) batch \(batch.index + 1) (first \(instances[0].identity))"
        let parameters = try instances.map { try FitParameters($0.parameters) }
        let fail = { (message: String) in StageFailure(identity: identity, kind: .input, message: message) }
        if parameters.contains(where: { $0.name == .crf }), data.train.sequenceLengths == nil {
            throw fail("model crf needs sequences: synthesize kind hmm, or load with lengths (HDF5) or a sequence column (CSV)")
        }
        // Labels are classes 0…L−1, L counted over the training and test tokens.
        var states = 0
        for (part, set) in [("training", data.train), ("test", data.test)] {
            guard let set else { continue }
            if let row = set.firstNonClassLabel(below: 1000) {
                throw fail("\(part) row \(row) has label \(set.y[row]); a CRF or softmax needs class labels 0, 1, 2, … (at most 1,000 classes)")
            }
            states = max(states, Int(set.y.max() ?? 0) + 1)
        }
        // A synthetic chain's states, seen or not (so that its transition matrix lines up).
        states = max(states, 2, data.train.sequenceTruth?.transitions.rows ?? 0)
        let weights = states * (data.train.features + states + 2)
        guard states <= 1000, weights < Int(Int32.max) else {
            throw fail("\(states) classes × \(data.train.features) features make \(weights) weights; a CRF takes at most 1,000 classes and 2³¹ weights")
        }
        func sequences(_ set: Dataset) -> Sequences {
            Sequences(x: set.x, labels: set.y.map { Int($0) }, lengths: set.sequenceLengths ?? Array(repeating: 1, count: set.rows),
                      states: states)
        }
        let run = CRFBatch(train: sequences(data.train), test: data.test.map(sequences), truth: data.train.sequenceTruth,
                           points: parameters.map { $0.crfSpec(states: states, features: data.train.features) })
        let flag = cancelled
        let output = run.run(cancelled: { flag.isSet })
        if output.cancelled { throw CancellationError() }
        for (point, result) in output.results.enumerated() where result.message != nil {
            log("regime: warning: \(instances[point].identity): L-BFGS stopped short: \(result.message!)")
        }
        let record = trainedBatch(batch, metricNames: output.metricNames, recordedSteps: output.recordedSteps,
                                  featureNames: run.points[0].layout.names(features: data.train.featureNames),
                                  weights: output.results.map(\.theta), results: output.results)
        try commit(record, batch: batch, diverged: output.results.filter { $0.status == .diverged }.count)
    }

    /// A fit of diffusion pairs: every point's denoiser (`DenoiserBatch`).
    func runDenoiserBatch(_ batch: WorkPlan.FitBatch, diffusion: DiffusionData) throws {
        let points = batch.points
        let instances = points.map { plan.instances[$0] }
        let identity = "\(batch.stage) batch \(batch.index + 1) (first \(instances[0].identity))"
        let output: DenoiserOutput
        do {
            let parameters = try instances.map { try FitParameters($0.parameters) }
            let run = DenoiserBatch(data: diffusion, points: parameters.map(\.denoiserSpec),
                                    initStreams: instances.map { context.stream(for: $0.instance) },
                                    featureStreams: zip(instances, parameters).map {
                                        denoiserFeatureStream(for: $0.instance, seed: plan.spec.seed, width: $1.width)
                                    })
            let flag = cancelled
            output = try run.run(cancelled: { flag.isSet })
        } catch {
            throw StageFailure(identity: identity, kind: .computation, underlying: error as any Error & Sendable)
        }
        if output.cancelled { throw CancellationError() }
        let results = output.results
        var record = trainedBatch(batch, metricNames: output.metricNames, recordedSteps: output.recordedSteps, featureNames: [],
                                  weights: results.map { _ in [] }, results: results)
        record.denoisers = results.map { $0.weights?.flattened ?? [] }
        record.denoiserSteps = diffusion.schedule.steps
        record.denoiserOutputs = diffusion.dimension
        try commit(record, batch: batch, diverged: results.filter { $0.status == .diverged }.count)
    }

    /// The batch record of the denoiser or sequence engines' points: their
    /// outcomes, metrics and trajectories (NaN where a point recorded no value).
    func trainedBatch(_ batch: WorkPlan.FitBatch, metricNames: [String], recordedSteps steps: [Int], featureNames: [String],
                      weights: [[Double]], results: [some RecordedPoint]) -> TrainedBatch {
        let position = Dictionary(uniqueKeysWithValues: steps.enumerated().map { ($1, $0) })
        let trajectories = metricNames.indices.map { metric in
            results.map { result in
                var row = [Double](repeating: .nan, count: steps.count)
                for (step, values) in result.trajectory { row[position[step]!] = values[metric] }
                return row
            }
        }
        return TrainedBatch(
            stage: batch.stage, dataKey: plan.instances[batch.data].key, pointKeys: batch.points.map { plan.instances[$0].key },
            metricNames: metricNames, featureNames: featureNames, recordedSteps: steps, weights: weights, metrics: results.map(\.metrics),
            status: results.map(\.status.rawValue), stop: results.map(\.stop.rawValue), steps: results.map { Double($0.steps) },
            learningRates: results.map(\.learningRate),
            times: results.map { $0.learningRate.isNaN ? .nan : $0.learningRate * Double($0.steps) },
            converged: results.map(\.converged), seconds: results.map(\.seconds), trajectories: trajectories,
            truth: nil, fixedReferences: [], matchedReferences: [])
    }

    /// Caches a trained batch whole and counts its points (the denoiser and sequence engines).
    func commit(_ record: TrainedBatch, batch: WorkPlan.FitBatch, diverged: Int) throws {
        try cache.save(record, to: cache.batchPath(batch.key))
        let points = batch.points
        state.withLock { state in
            state.succeededInstances += points
            state.pointsDone += points.count
            state.report.pointsTrained += points.count
            state.report.batches += 1
            state.report.diverged += diverged
        }
        emitProgress()
    }

    func runGather(_ index: Int, work: WorkPlan) throws {
        let instance = plan.instances[index]
        guard let operation = plan.plan.expansion(containing: index).stage.operation as? any GatherOperation else {
            preconditionFailure("\(instance.stage) is not a gathering op")
        }
        let failed = state.withLock { $0.failedPoints }
        var missing: [Int: String] = [:]
        var locations: [Int: (batch: String, row: Int)] = [:]
        for point in Set(instance.inputs.flatMap(\.instances)) {
            // A sample instance's training result is its fit point's.
            let source = plan.plan.trainingSource(of: point)
            if source != point, !cache.hasObject(plan.instances[point].key) {
                missing[point] = failed[source] ?? "its samples were not made in this run"
                continue
            }
            guard let (batch, row) = work.location[source] else { continue }
            if let message = failed[source] {
                missing[point] = message
            } else {
                locations[point] = (work.batches[batch].key, row)
            }
        }
        let output = WorkPlan.outputPath(instance, plan.spec)
        ProcessMemory.returnFreedPages()  // the trainers' buffers, before the results are assembled
        let gatherer = try PointGatherer(plan: plan, instance: instance, cache: cache, locations: locations, failures: missing)
        try operation.run(instance, gatherer: gatherer, output: output, context: context)
        // An output holding failed points is rewritten by the next run.
        if missing.isEmpty { try cache.recordOutput(output, key: instance.key) }
        state.withLock { state in
            state.report.outputsWritten.append(output)
            if missing.isEmpty { state.succeededInstances.append(index) }
        }
    }
}
