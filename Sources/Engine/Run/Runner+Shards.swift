import Foundation
import Pipeline

/// One shard of `--shard I/N`: the fit points it computes and which of them
/// are in the cache. What `regime status` and `regime slurm --resubmit` read.
public struct ShardProgress: Sendable {
    /// 1-based, as `--shard I/N` names it.
    public var index: Int
    /// Each point's identity and whether its batch is cached.
    public var points: [(identity: String, done: Bool)]

    public var done: Bool { points.allSatisfy(\.done) }
    public var pointsDone: Int { points.filter(\.done).count }
}

extension Runner {
    /// The cache directory this runner reads and writes.
    public var cacheRoot: String { cache.root }

    /// The key of the plan (every instance's key), as the shard records name it.
    public var planKey: String { ContentKey.hash(plan.instances.map(\.key).joined(separator: "\n")) }

    /// The record a successful `--shard index/count` leaves, relative to the cache.
    func shardRecord(_ index: Int, of count: Int) -> String { "shards/\(planKey.prefix(16))-\(index)-of-\(count)" }

    /// The directory `regime slurm` keeps this plan's submissions and task records in.
    public var clusterDirectory: String { cache.path("slurm/\(planKey.prefix(16))") }

    /// The shards of `count` and how far each is, from the cache alone (read
    /// only, no lock: safe while shards run). A shard holds every `count`-th
    /// batch of the plan, as `--shard` computes them.
    public func shards(count: Int) throws -> [ShardProgress] {
        let cache = Cache(root: cache.root, readOnly: true)
        let batches = try FitBatching.batches(plan.plan).map { WorkPlan.FitBatch(planned: $0, key: WorkPlan.batchKey($0.points, plan)) }
        var shards = (1...count).map { ShardProgress(index: $0, points: []) }
        for batch in batches {
            let done = FileManager.default.fileExists(atPath: cache.batchPath(batch.key))
            let shard = batch.index % count
            for point in batch.points { shards[shard].points.append((plan.instances[point].identity, done)) }
        }
        return shards
    }
}
