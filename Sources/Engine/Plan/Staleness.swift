import Operations
import Pipeline

/// Which instances must run, and why: the targets that are not done, and what
/// they need that is not done either. A pure function of the plan, its
/// batches, a cache snapshot, the forced stages and the shard.
///
/// Targets: every fit point and output, and every instance no stage reads (a
/// terminal data stage); with a shard, only the points of its batches. A batch
/// with one stale point trains whole, so all its points run. An output runs
/// when it is stale or any point it gathers runs.
struct Staleness {
    /// Instance index → why it must run, for every instance that must.
    private(set) var reasons: [Int: String] = [:]
    var mustRun: Set<Int> { Set(reasons.keys) }

    init(plan: KeyedPlan, batches: [WorkPlan.FitBatch], location: [Int: (batch: Int, row: Int)],
         snapshot: CacheSnapshot, force: Set<String>, shard: (index: Int, count: Int)?) {
        let spec = plan.spec
        let expansions = plan.plan.expansions
        func stage(of index: Int) -> String { plan.plan.expansion(containing: index).stage.id }
        func gathers(_ index: Int) -> Bool { plan.plan.expansion(containing: index).stage.operation.gathers }
        // Which stages are forced: those named, and the outputs and sample
        // stages anywhere below them (rewritten so that they reflect the recomputation).
        var forced = force
        var below = force
        for stage in spec.topologicalOrder where stage.inputIDs.contains(where: below.contains) {
            below.insert(stage.id)
            // Samples of a retrained fit are drawn again, like the outputs that hold them.
            if stage.operation.gathers || stage.operation.readsFitData { forced.insert(stage.id) }
        }

        // 1. What is already done. Data is never cached (docs/architecture.md,
        // "The cache"): a data instance that a stage reads is never done, and runs
        // whenever one of its readers runs; one that no stage reads is done when
        // its marker says it ran.
        let consumed = Set(spec.stages.flatMap(\.inputIDs))
        var done = [Bool](repeating: false, count: plan.plan.count)
        var outputReasons: [Int: String] = [:]
        for expansion in expansions where !forced.contains(expansion.stage.id) {
            let operation = expansion.stage.operation
            for index in expansion.range {
                if operation.gathers {
                    if case .some(.some(let reason)) = snapshot.outputs[index] { outputReasons[index] = reason } else { done[index] = true }
                } else if operation.output == .fits {
                    done[index] = location[index].map { snapshot.batches.contains(batches[$0.batch].key) } ?? false
                } else if operation.output.isData {
                    done[index] = !consumed.contains(expansion.stage.id) && snapshot.markers.contains(plan.key(index))
                } else {
                    done[index] = snapshot.objects.contains(plan.key(index))
                }
            }
        }

        // 2. What must run: targets that are not done, and what they need.
        var targets: [Int] = []
        if let shard {
            for batch in batches where batch.index % shard.count == shard.index - 1 { targets += batch.points }
        } else {
            for expansion in expansions {
                let operation = expansion.stage.operation
                if operation.gathers || operation.output == .fits || !consumed.contains(expansion.stage.id) { targets += expansion.range }
            }
            // Forced stages run whatever else is cached.
            for expansion in expansions where forced.contains(expansion.stage.id) && !expansion.stage.operation.gathers {
                targets += expansion.range
            }
        }
        var must = Set<Int>()
        var inputsOf: [Int: [Int]] = [:]
        func inputs(_ index: Int) -> [Int] {
            if let known = inputsOf[index] { return known }
            let found = plan.plan.instance(index).inputs.flatMap(\.instances)
            inputsOf[index] = found
            return found
        }
        func require(_ index: Int) {
            if must.contains(index) || done[index] { return }
            must.insert(index)
            if gathers(index) { return }
            for input in inputs(index) { require(input) }
        }
        let gatherTargets = targets.filter(gathers)
        for target in targets where !gathers(target) { require(target) }
        // A batch with one stale point trains whole: every point of it runs.
        for batch in batches where batch.points.contains(where: must.contains) {
            for point in batch.points { require(point) }
        }
        // An output is rewritten when it is stale or any of its points runs.
        for target in gatherTargets {
            let gathered = inputs(target)
            for input in gathered where !done[input] { require(input) }
            if !done[target] || gathered.contains(where: must.contains) {
                must.insert(target)
                if done[target] { outputReasons[target] = "input changed" }
            }
        }
        for index in must {
            let stageID = stage(of: index)
            if forced.contains(stageID) {
                reasons[index] = "forced (--force)"
            } else if let reason = outputReasons[index] {
                reasons[index] = reason
            } else {
                let instance = plan.instance(index)
                let before = snapshot.states[stageID]?.instances[instance.identity]
                if consumed.contains(stageID), plan.plan.expansion(containing: index).stage.operation.output.isData,
                   before == instance.parts {
                    reasons[index] = "read by a stage that runs (data is recomputed, never cached)"
                } else {
                    reasons[index] = RunState.reason(now: instance.parts, before: before)
                }
            }
        }
    }
}
