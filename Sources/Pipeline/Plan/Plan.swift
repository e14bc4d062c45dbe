/// A pipeline expanded into stage instances: every stage at every point of its
/// sweep, below every instance of its primary input.
///
/// A stage's instances run over its `input` instances (outer) and its own sweep
/// points (inner), so a fit below a swept `synthesize` runs once per data point
/// times its own sweep. Other input slots (`compare:`) read the instance of
/// their stage whose coordinates the instance shares. A gathering stage
/// (write, export) has one instance reading every instance of its inputs.
///
/// The plan is compact: per stage it keeps the rows (one per upstream
/// instance) and the sweep, not the instances; `instance(_:)` materializes one
/// in O(stages + axes). A million-point sweep plans in constant memory per
/// stage. Content keys are computed separately (`KeyedPlan`), since they need
/// the input files' digests.
public struct Plan: Sendable {
    public let spec: PipelineSpec
    /// One per stage, in topological order; instance indices follow this order.
    public let expansions: [StageExpansion]
    /// Stage id → its position in `expansions`.
    private let position: [String: Int]
    /// The number of instances.
    public let count: Int

    /// The most instances a plan may hold: well beyond what a machine trains,
    /// and far below where counting overflows.
    public static let maximumInstances = 1_000_000_000

    public init(_ spec: PipelineSpec) throws(PipelineError) {
        self.spec = spec
        var expansions: [StageExpansion] = []
        var position: [String: Int] = [:]
        var diagnostics: [Diagnostic] = []
        var next = 0
        func instanceCoordinates(_ index: Int) -> [Coordinate] {
            let expansion = expansions[expansions.lastIndex { $0.range.contains(index) }!]
            return expansion.coordinates(local: index - expansion.range.lowerBound, in: expansions)
        }
        for stage in spec.topologicalOrder {
            let operation = stage.operation
            let sweep = Sweep(axes: stage.sweep.axes + operation.implicitAxes(stage.parameters))
            var rows: [StageExpansion.Row] = []
            var upstreamStage: Int?
            if operation.gathers {
                rows = [StageExpansion.Row(upstream: nil, inputs: stage.inputs.map { slot in
                    (slot.slot, slot.stages.flatMap { id in expansions[position[id]!].range.map { $0 } })
                })]
            } else if let primary = stage.inputs.first, let source = primary.stages.first {
                let upstream = expansions[position[source]!]
                upstreamStage = position[source]
                // Secondary slots pair each upstream instance with the one instance
                // of their stage whose coordinates it shares.
                var candidatesBySlot: [[(stage: String, coordinates: [[Coordinate]])]] = []
                for secondary in stage.inputs.dropFirst() {
                    candidatesBySlot.append(secondary.stages.map { other in
                        (other, expansions[position[other]!].range.map(instanceCoordinates))
                    })
                }
                rowLoop: for upstreamIndex in upstream.range {
                    let base = instanceCoordinates(upstreamIndex)
                    var inputs: [(slot: String, instances: [Int])] = [(primary.slot, [upstreamIndex])]
                    for (secondary, candidates) in zip(stage.inputs.dropFirst(), candidatesBySlot) {
                        var chosen: [Int] = []
                        for (other, coordinates) in candidates {
                            let matching = coordinates.indices.filter { candidate in
                                coordinates[candidate].allSatisfy { coordinate in
                                    base.contains { $0.name == coordinate.name && $0.value == coordinate.value }
                                }
                            }
                            guard matching.count == 1 else {
                                let identity = StageInstance.identity(stage: source, coordinates: base)
                                let why = matching.isEmpty ? "none of its instances shares the coordinates of \(identity)"
                                    : "\(matching.count) of its instances match \(identity)"
                                diagnostics.append(Diagnostic("stage '\(stage.id)' cannot pair '\(other)' (\(secondary.slot)) with its input '\(source)': \(why); the \(secondary.slot) stage must be swept over no more than its input",
                                                              at: stage.location))
                                break rowLoop
                            }
                            chosen.append(expansions[position[other]!].range.lowerBound + matching[0])
                        }
                        inputs.append((secondary.slot, chosen))
                    }
                    // The data a fit point trained on: its own row's upstream.
                    if operation.readsFitData, upstream.stage.operation.output == .fits,
                       let data = upstream.rows[(upstreamIndex - upstream.range.lowerBound) / upstream.pointsPerRow].upstream {
                        inputs.append(("data", [data]))
                    }
                    rows.append(StageExpansion.Row(upstream: upstreamIndex, inputs: inputs))
                }
            } else {
                rows = [StageExpansion.Row(upstream: nil, inputs: [])]
            }
            let perRow = operation.gathers ? 1 : sweep.pointCount
            let (total, overflow) = perRow.multipliedReportingOverflow(by: rows.count)
            if overflow || total > Plan.maximumInstances - next {
                diagnostics.append(Diagnostic("stage '\(stage.id)' expands to more than \(Plan.maximumInstances) instances (\(rows.count) input instance\(rows.count == 1 ? "" : "s") × \(perRow) sweep point\(perRow == 1 ? "" : "s")); sweep fewer values",
                                              at: stage.location))
                break
            }
            // Coordinate names: the upstream stage's, then this stage's own keys,
            // qualified by the stage id when the name is already taken.
            let inherited = upstreamStage.map { expansions[$0].coordinateNames } ?? []
            var names = inherited
            var ownNames: [String] = []
            for key in operation.gathers ? [] : sweep.keys {
                let name = names.contains(key) ? "\(stage.id).\(key)" : key
                names.append(name)
                ownNames.append(name)
            }
            position[stage.id] = expansions.count
            expansions.append(StageExpansion(stage: stage, range: next..<(next + total), sweep: operation.gathers ? Sweep() : sweep,
                                             rows: rows, upstreamStage: upstreamStage, ownNames: ownNames,
                                             coordinateNames: names))
            next += total
        }
        if !diagnostics.isEmpty { throw PipelineError(diagnostics) }
        self.expansions = expansions
        self.position = position
        self.count = next
    }

    /// The expansion of a stage.
    public func expansion(of stage: String) -> StageExpansion? {
        position[stage].map { expansions[$0] }
    }

    /// The instance indices of a stage, in point order.
    public func indices(of stage: String) -> Range<Int> {
        expansion(of: stage)?.range ?? 0..<0
    }

    /// The expansion an instance belongs to.
    public func expansion(containing index: Int) -> StageExpansion {
        // Few stages: a linear scan beats a search.
        expansions.first { $0.range.contains(index) }!
    }

    /// Instance `index`, materialized: its coordinates, parameters and inputs.
    public func instance(_ index: Int) -> StageInstance {
        let expansion = expansion(containing: index)
        let local = index - expansion.range.lowerBound
        let perRow = expansion.pointsPerRow
        let row = expansion.rows[local / perRow]
        let own = expansion.stage.operation.gathers ? [] : expansion.sweep.point(local % perRow)
        let coordinates = expansion.coordinates(local: local, in: expansions)
        var parameters = expansion.stage.parameters
        for (key, value, role) in own where role != .replicate { parameters[path: key] = value }
        let ownCoordinates = Array(coordinates.suffix(own.count))
        let stream = "\(spec.seed)/\(expansion.stage.id)/" + coordinates.map { "\($0.name)=\($0.value.canonical)" }.joined(separator: ",")
        return StageInstance(index: index, stage: expansion.stage.id, coordinates: coordinates, ownCoordinates: ownCoordinates,
                             parameters: parameters, inputs: row.inputs, streamLabel: stream)
    }

    /// The fit point whose batch holds an instance's training result: itself
    /// for a fit point, its input for an instance of a stage that reads fit points (sample).
    public func trainingSource(of index: Int) -> Int {
        expansion(containing: index).stage.operation.readsFitData ? instance(index).inputs("input")[0] : index
    }

    /// Every instance, materialized on access.
    public var instances: Instances { Instances(plan: self) }

    /// The instances of a stage, materialized (for small stages and tests).
    public func instances(of stage: String) -> [StageInstance] {
        indices(of: stage).map(instance)
    }

    public struct Instances: RandomAccessCollection, Sendable {
        let plan: Plan
        public var startIndex: Int { 0 }
        public var endIndex: Int { plan.count }
        public subscript(index: Int) -> StageInstance { plan.instance(index) }
    }
}

/// One stage of a plan: its instances as rows (one per instance of its primary
/// input, or one) times the points of its sweep.
public struct StageExpansion: Sendable {
    public struct Row: Sendable {
        /// The primary input's instance (nil for sources and gathering stages).
        public var upstream: Int?
        /// Input slot → the instances it reads, in order.
        public var inputs: [(slot: String, instances: [Int])]
    }

    public let stage: StageSpec
    /// The instances' indices in the plan.
    public let range: Range<Int>
    /// The stage's own sweep, with the axes its op adds (split's folds).
    public let sweep: Sweep
    public let rows: [Row]
    /// The position of the primary input's stage in the plan.
    let upstreamStage: Int?
    /// The coordinate names of this stage's own axes (qualified when taken).
    let ownNames: [String]
    /// Every coordinate name of its instances, in order.
    public let coordinateNames: [String]

    /// Instances per row.
    public var pointsPerRow: Int { stage.operation.gathers ? 1 : sweep.pointCount }

    func coordinates(local: Int, in expansions: [StageExpansion]) -> [Coordinate] {
        if stage.operation.gathers { return [] }
        let perRow = pointsPerRow
        let row = rows[local / perRow]
        var coordinates: [Coordinate] = []
        if let upstream = row.upstream, let upstreamStage {
            let source = expansions[upstreamStage]
            coordinates = source.coordinates(local: upstream - source.range.lowerBound, in: expansions)
        }
        for (name, point) in zip(ownNames, sweep.point(local % perRow)) {
            coordinates.append(Coordinate(name: name, value: point.value, stage: stage.id, role: point.role))
        }
        return coordinates
    }
}
