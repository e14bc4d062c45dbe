import Foundation
import Operations
import Pipeline

/// What the cache holds that a plan asks about, read once at the start of a
/// pass: which artifacts and batches exist, how each output compares with the
/// record of its last write, and the key parts of each stage's last run.
/// Everything that decides what runs reads this value, never the cache.
struct CacheSnapshot {
    /// The content keys of the reference artifacts present.
    var objects: Set<String> = []
    /// The content keys of the data instances that ran (data itself is never cached).
    var markers: Set<String> = []
    /// The keys of the batch files present.
    var batches: Set<String> = []
    /// Per output instance: nil when it is up to date, else why it is not.
    var outputs: [Int: String?] = [:]
    /// Per stage: the key parts of its instances' last run.
    var states: [String: RunState] = [:]

    /// Reads what `plan` needs to know from `cache`.
    static func read(_ plan: KeyedPlan, batches: [WorkPlan.FitBatch], cache: Cache) -> CacheSnapshot {
        var snapshot = CacheSnapshot()
        for stage in plan.spec.stages { snapshot.states[stage.id] = RunState.load(cache, stage: stage.id) }
        for batch in batches where FileManager.default.fileExists(atPath: cache.batchPath(batch.key)) {
            snapshot.batches.insert(batch.key)
        }
        for expansion in plan.plan.expansions {
            let operation = expansion.stage.operation
            if operation.output == .fits { continue }
            for index in expansion.range {
                if operation.gathers {
                    snapshot.outputs[index] = outputReason(plan.instance(index), plan: plan, cache: cache, states: snapshot.states)
                } else if operation.output.isData {
                    if cache.hasMarker(plan.key(index)) { snapshot.markers.insert(plan.key(index)) }
                } else if cache.hasObject(plan.key(index)) {
                    snapshot.objects.insert(plan.key(index))
                }
            }
        }
        return snapshot
    }

    /// Why an output must be written, or nil when the file is what regime last
    /// wrote for this very key.
    private static func outputReason(_ instance: KeyedInstance, plan: KeyedPlan, cache: Cache,
                                     states: [String: RunState]) -> String? {
        let output = WorkPlan.outputPath(instance, plan.spec)
        guard let record = cache.outputRecord(for: output) else {
            return FileManager.default.fileExists(atPath: output) ? "output not written through this cache" : "output missing"
        }
        guard let current = OutputRecord.current(of: output, key: instance.key) else { return "output missing" }
        if record.key != instance.key {
            return RunState.reason(now: instance.parts, before: states[instance.stage]?.instances[instance.identity])
        }
        return current == record ? nil : "output modified since regime wrote it"
    }
}
