import Foundation
import Learning
import Pipeline
import Operations

/// What a run must do, derived from the plan and the cache: which instances
/// are stale and why, which fit batches train, and the units of work with
/// their dependencies.
///
/// Fit points are grouped by their data instance, compared references and
/// batch structure (`FitSpec.BatchKey`; for SGD also `rep`, which picks the
/// minibatch order) in point order, and each group is cut into near-equal
/// batches of at most `batch_width` points. This depends on the pipeline alone —
/// never on --jobs, --shard, timing or what is cached.
///
/// The batch is the unit of caching: a batch file is named by the keys of all
/// its points and holds all of them, and a batch with any stale point trains
/// whole. A point's result therefore always comes from the same batch (BLAS
/// kernels need not give a column the same last bits in batches of another
/// composition), so a run from a partly filled cache — after an edit, a kill,
/// a corrupt entry — is bit-identical to a run from an empty one.
struct WorkPlan {
    struct FitBatch {
        let index: Int
        let stage: String
        let points: [Int]
        let data: Int
        let compare: [Int]
        /// The order stream label shared by the batch (SGD).
        let orderLabel: String
        /// The cache name of its file: the hash of its points' keys.
        let key: String
    }

    enum Work {
        case instance(Int)
        case batch(FitBatch)
        case gather(Int)
    }

    struct Unit {
        let id: Int
        let work: Work
        var dependencies: [Int]
    }

    let plan: KeyedPlan
    private(set) var units: [Unit] = []
    /// Every batch of the plan, stale or not, in plan order (shards pick from these).
    let batches: [FitBatch]
    /// Fit point → (its batch, its row there).
    let location: [Int: (batch: Int, row: Int)]
    /// Instance index → why it must run, for every instance that must.
    private(set) var reasons: [Int: String] = [:]
    private(set) var mustRun: Set<Int> = []

    /// The cache name of a batch file: the hash of the keys of the points it holds.
    static func batchKey(_ points: [Int], _ plan: KeyedPlan) -> String {
        ContentKey.hash(points.map { plan.key($0) }.joined(separator: "\n"))
    }

    init(plan: KeyedPlan, cache: Cache, force: Set<String>, shard: (index: Int, count: Int)?) throws {
        self.plan = plan
        let instances = plan.instances
        let spec = plan.spec
        batches = try FitBatching.batches(plan.plan).map { batch in
            FitBatch(index: batch.index, stage: batch.stage, points: batch.points, data: batch.data, compare: batch.compare,
                     orderLabel: batch.orderLabel, key: WorkPlan.batchKey(batch.points, plan))
        }
        var location: [Int: (batch: Int, row: Int)] = [:]
        for batch in batches { for (row, point) in batch.points.enumerated() { location[point] = (batch.index, row) } }
        self.location = location

        // Which stages are forced: those named, and the outputs anywhere below
        // them (rewritten so that they reflect the recomputation).
        var forced = force
        var below = force
        for stage in spec.topologicalOrder where stage.inputIDs.contains(where: below.contains) {
            below.insert(stage.id)
            if stage.operation.gathers { forced.insert(stage.id) }
        }
        var states: [String: RunState] = [:]
        for stage in spec.stages { states[stage.id] = RunState.load(cache, stage: stage.id) }
        func stateReason(_ instance: KeyedInstance) -> String {
            RunState.reason(now: instance.parts, before: states[instance.stage]?.instances[instance.identity])
        }

        // 1. What is already done.
        var cached = [Bool](repeating: false, count: instances.count)
        var gatherReasons: [Int: String] = [:]
        var batchDone = [Bool](repeating: false, count: batches.count)
        for batch in batches where !forced.contains(batch.stage) {
            batchDone[batch.index] = FileManager.default.fileExists(atPath: cache.batchPath(batch.key))
        }
        for instance in instances {
            let operation = spec.stage(instance.stage)!.operation
            if forced.contains(instance.stage) { continue }
            if operation.gathers {
                let output = WorkPlan.outputPath(instance, spec)
                guard let record = cache.outputRecord(for: output) else {
                    gatherReasons[instance.index] = FileManager.default.fileExists(atPath: output)
                        ? "output not written through this cache" : "output missing"
                    continue
                }
                guard let current = OutputRecord.current(of: output, key: instance.key) else {
                    gatherReasons[instance.index] = "output missing"
                    continue
                }
                if record.key != instance.key {
                    gatherReasons[instance.index] = stateReason(instance)
                } else if current != record {
                    gatherReasons[instance.index] = "output modified since regime wrote it"
                } else {
                    cached[instance.index] = true
                }
            } else if operation.output == .fits {
                cached[instance.index] = location[instance.index].map { batchDone[$0.batch] } ?? false
            } else {
                cached[instance.index] = cache.hasObject(instance.key)
            }
        }

        // 2. What must run: targets that are not done, and what they need.
        let consumed = Set(spec.stages.flatMap(\.inputIDs))
        var targets: [Int] = []
        if let shard {
            for batch in batches where batch.index % shard.count == shard.index - 1 { targets += batch.points }
        } else {
            for instance in instances {
                let stage = spec.stage(instance.stage)!
                if stage.operation.gathers || stage.operation.output == .fits || !consumed.contains(stage.id) {
                    targets.append(instance.index)
                }
            }
        }
        var must = Set<Int>()
        func require(_ index: Int) {
            if must.contains(index) || cached[index] { return }
            must.insert(index)
            for slot in instances[index].inputs {
                let gathering = spec.stage(instances[index].stage)!.operation.gathers
                for input in slot.instances where !gathering { require(input) }
            }
        }
        // Forced stages run whatever else is cached.
        if shard == nil {
            for instance in instances where forced.contains(instance.stage) && !spec.stage(instance.stage)!.operation.gathers {
                targets.append(instance.index)
            }
        }
        for target in targets where !spec.stage(instances[target].stage)!.operation.gathers { require(target) }
        // A batch with one stale point trains whole: every point of it runs.
        for batch in batches where batch.points.contains(where: must.contains) {
            for point in batch.points { require(point) }
        }
        // An output is rewritten when it is stale or any of its points runs.
        for target in targets where spec.stage(instances[target].stage)!.operation.gathers {
            let inputs = instances[target].inputs.flatMap(\.instances)
            for input in inputs where !cached[input] { require(input) }
            if !cached[target] || inputs.contains(where: must.contains) {
                must.insert(target)
                if cached[target] { gatherReasons[target] = "input changed" }
            }
        }
        mustRun = must
        for index in must.sorted() {
            let instance = instances[index]
            if forced.contains(instance.stage) {
                reasons[index] = "forced (--force)"
            } else if let reason = gatherReasons[index] {
                reasons[index] = reason
            } else {
                reasons[index] = stateReason(instance)
            }
        }

        // 3. Units: one per stale data or reference instance, one per stale
        // batch, one per stale output; dependencies on what they read.
        var unitOf: [Int: Int] = [:]  // instance → unit
        for instance in instances where must.contains(instance.index) && !spec.stage(instance.stage)!.operation.gathers {
            let operation = spec.stage(instance.stage)!.operation
            if operation.output == .fits { continue }
            unitOf[instance.index] = units.count
            units.append(Unit(id: units.count, work: .instance(instance.index),
                              dependencies: instance.inputs.flatMap(\.instances).compactMap { unitOf[$0] }))
        }
        for batch in batches where batch.points.contains(where: must.contains) {
            let id = units.count
            for point in batch.points { unitOf[point] = id }
            units.append(Unit(id: id, work: .batch(batch), dependencies: ([batch.data] + batch.compare).compactMap { unitOf[$0] }))
        }
        for instance in instances where must.contains(instance.index) && spec.stage(instance.stage)!.operation.gathers {
            let dependencies = Set(instance.inputs.flatMap(\.instances).compactMap { unitOf[$0] })
            units.append(Unit(id: units.count, work: .gather(instance.index), dependencies: dependencies.sorted()))
        }
    }

    /// The output file of a write or export instance, resolved.
    static func outputPath(_ instance: KeyedInstance, _ spec: PipelineSpec) -> String {
        outputPath(instance.instance, spec)
    }

    static func outputPath(_ instance: StageInstance, _ spec: PipelineSpec) -> String {
        normalized(spec.resolve(instance.parameters["path"]?.string ?? ""))
    }

    /// `pipelines/../results/x.h5` as `results/x.h5`: `a/..` pairs removed.
    static func normalized(_ path: String) -> String {
        var parts: [Substring] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: false) {
            if part == "..", let last = parts.last, last != "..", last != "", last != "." {
                parts.removeLast()
            } else if part != "." || parts.isEmpty {
                parts.append(part)
            }
        }
        let joined = parts.joined(separator: "/")
        return joined.isEmpty ? "." : joined
    }

    /// A batch as the pipeline defines it, before keys.
    struct PlannedBatch {
        let index: Int
        let stage: String
        let points: [Int]
        let data: Int
        let compare: [Int]
        let orderLabel: String
    }
}

/// The number of fit batches a plan trains in (for `regime check`).
public func planBatchCount(_ plan: Plan) throws -> Int {
    try FitBatching.batchCount(plan)
}
