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
    /// A batch with the cache name of its file: the hash of its points' keys.
    struct FitBatch {
        let planned: FitBatching.Batch
        let key: String

        var index: Int { planned.index }
        var stage: String { planned.stage }
        var points: [Int] { planned.points }
        var data: Int { planned.data }
        var compare: [Int] { planned.compare }
        /// The order stream label shared by the batch (SGD).
        var orderLabel: String { planned.orderLabel }
    }

    typealias Unit = UnitGraph.Unit
    typealias Work = UnitGraph.Work

    let plan: KeyedPlan
    /// Every batch of the plan, stale or not, in plan order (shards pick from these).
    let batches: [FitBatch]
    /// Fit point → (its batch, its row there).
    let location: [Int: (batch: Int, row: Int)]
    /// Instance index → why it must run, for every instance that must.
    let reasons: [Int: String]
    let units: [Unit]

    /// The cache name of a batch file: the hash of the keys of the points it holds.
    static func batchKey(_ points: [Int], _ plan: KeyedPlan) -> String {
        ContentKey.hash(points.map { plan.key($0) }.joined(separator: "\n"))
    }

    init(plan: KeyedPlan, cache: Cache, force: Set<String>, shard: (index: Int, count: Int)?) throws {
        self.plan = plan
        let batches = try FitBatching.batches(plan.plan).map { FitBatch(planned: $0, key: WorkPlan.batchKey($0.points, plan)) }
        var location: [Int: (batch: Int, row: Int)] = [:]
        for batch in batches { for (row, point) in batch.points.enumerated() { location[point] = (batch.index, row) } }
        let snapshot = CacheSnapshot.read(plan, batches: batches, cache: cache)
        let staleness = Staleness(plan: plan, batches: batches, location: location, snapshot: snapshot, force: force, shard: shard)
        self.batches = batches
        self.location = location
        reasons = staleness.reasons
        units = UnitGraph(plan: plan.plan, batches: batches, mustRun: staleness.mustRun).units
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

}

/// The number of fit batches a plan trains in (for `regime check`).
public func planBatchCount(_ plan: Plan) throws -> Int {
    try FitBatching.batchCount(plan)
}
