/// A validated pipeline: typed stages with their resolved base parameters,
/// inputs and sweeps, ready to plan.
public struct PipelineSpec: Sendable {
    /// The file it was read from, as given (for messages), and its directory
    /// (paths in the pipeline are relative to it).
    public var path: String
    public var directory: String
    /// The pipeline text as read from the file (before `--set`).
    public var text: String
    /// The `--set` arguments applied, in order.
    public var overrides: [String]
    public var version: Int
    public var name: String
    public var seed: UInt64
    public var description: String?
    /// The most points the trainer takes in one batch.
    public var batchWidth: Int
    /// The `slurm:` block: defaults for `regime slurm` (validated, not read by runs).
    public var slurm: ValueMap?
    /// How many batches share one stretch of a group's points, dealt
    /// round-robin (the engine's batching).
    public static let dealingWindow = 8
    /// The most consecutive points a batch's points spread over.
    public var dealingSpan: Int { PipelineSpec.dealingWindow * batchWidth }
    /// In declaration order.
    public var stages: [StageSpec]

    public func stage(_ id: String) -> StageSpec? { stages.first { $0.id == id } }

    /// A path in the pipeline, resolved against the pipeline file's directory.
    public func resolve(_ path: String) -> String {
        path.hasPrefix("/") || directory == "." ? path : directory + "/" + path
    }

    /// Stages in an order where every stage comes after its inputs (ties in
    /// declaration order).
    public var topologicalOrder: [StageSpec] {
        var done = Set<String>(), order: [StageSpec] = []
        while order.count < stages.count {
            for stage in stages where !done.contains(stage.id) && stage.inputIDs.allSatisfy(done.contains) {
                order.append(stage)
                done.insert(stage.id)
            }
        }
        return order
    }

    /// The stages that read `id` directly.
    public func consumers(of id: String) -> [StageSpec] {
        stages.filter { $0.inputIDs.contains(id) }
    }
}

/// One validated stage.
public struct StageSpec: Sendable {
    public var id: String
    public var operation: any Operation
    /// Parameters with defaults filled in, before any sweep.
    public var parameters: ValueMap
    /// Input slot key → stage ids, in the order given.
    public var inputs: [(slot: String, stages: [String])]
    public var sweep: Sweep
    /// Where the stage is declared (its id), for messages after validation.
    public var location: SourceLocation?

    /// Every stage id this stage reads, in slot order.
    public var inputIDs: [String] { inputs.flatMap(\.stages) }

    public func inputs(_ slot: String) -> [String] { inputs.first { $0.slot == slot }?.stages ?? [] }
}
