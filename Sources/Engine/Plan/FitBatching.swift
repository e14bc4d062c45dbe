import Learning
import Pipeline
import Operations

/// How the points of the fit stages are grouped and cut into batches — from
/// the sweep's structure, without materializing the points: only the axes
/// that can change a point's batch structure (`fitBatchingKeys`, and the
/// repeat axis for SGD, whose minibatch order a batch shares) are walked, so a
/// million-point sweep over α and λ groups in the time of its few structural
/// values.
///
/// Points are grouped by their data instance, compared references and batch
/// structure (`FitSpec.BatchKey`; for SGD also `rep`) in point order, and each
/// group is dealt round-robin (within windows of 8 batches) into near-equal
/// batches of at most `batch_width` points, at least two from 16 points on
/// (`pieces`, `members`). This
/// depends on the pipeline alone — never on --jobs, --shard, timing or the cache.
struct FitBatching {
    /// A batch as the pipeline defines it: its points, the data and references
    /// they read, and the minibatch order they share.
    struct Batch {
        let index: Int
        let stage: String
        let points: [Int]
        let data: Int
        let compare: [Int]
        let orderLabel: String
    }

    /// One group: points sharing a row (data instance) and batch structure.
    struct Group {
        let stage: String
        let expansion: StageExpansion
        let row: Int
        /// Combination indices (over the structural axes) in this group.
        let combinations: [Int]
        let batchKey: FitSpec.BatchKey
        /// The largest step budget of its points.
        let maximumSteps: Int
        /// Its points, in point order.
        let size: Int
    }

    struct Structure {
        let expansion: StageExpansion
        /// Positions of the structural axes, in axis order.
        let structural: [Int]
        /// Per combination of structural values: the group it belongs to (within a row).
        let groupOfCombination: [Int]
        /// Per group (within a row): its batch key, step budget and combinations.
        let groups: [(key: FitSpec.BatchKey, steps: Int, combinations: [Int])]
        /// The position of the repeat axis, when the batch order depends on it (SGD).
        let repeatAxis: Int?
    }

    /// The grouping of every fit stage, in plan order.
    static func structures(_ plan: Plan) throws -> [Structure] {
        try plan.expansions.filter { $0.stage.operation.output == .fits }.map(structure)
    }

    static func structure(_ expansion: StageExpansion) throws -> Structure {
        let axes = expansion.sweep.axes
        let base = expansion.stage.parameters
        let sgdPossible = base[path: "optimizer.method"]?.string == "sgd" || axes.contains { axis in
            Sweep(axes: [axis]).keys.contains("optimizer.method")
                && Sweep(axes: [axis]).points().contains { $0.contains { $0.key == "optimizer.method" && $0.value.string == "sgd" } }
        }
        var structural: [Int] = []
        var repeatAxis: Int?
        for (position, axis) in axes.enumerated() {
            if case .repeat = axis {
                if sgdPossible {
                    structural.append(position)
                    repeatAxis = position
                }
                continue
            }
            if Sweep(axes: [axis]).keys.contains(where: fitBatchingKeys.contains) { structural.append(position) }
        }
        let sizes = structural.map { expansion.sweep.sizes[$0] }
        let combinations = sizes.reduce(1, *)
        let structuralSweep = Sweep(axes: structural.map { axes[$0] })
        var groups: [(key: FitSpec.BatchKey, engine: String, rep: Int?, steps: Int, combinations: [Int])] = []
        var groupOfCombination: [Int] = []
        groupOfCombination.reserveCapacity(combinations)
        for combination in 0..<combinations {
            var parameters = base
            var rep: Int?
            for (key, value, role) in structuralSweep.point(combination) {
                if role == .replicate { rep = value.integer } else { parameters[path: key] = value }
            }
            let fit = try FitParameters(parameters), spec = fit.fitSpec()
            if case .sgd = spec.method {} else { rep = nil }
            // Points of another engine (a CRF, softmax) never share a batch with regression points.
            if let index = groups.firstIndex(where: { $0.key == spec.batchKey && $0.engine == fit.engine && $0.rep == rep }) {
                groups[index].steps = max(groups[index].steps, spec.stepBudget)
                groups[index].combinations.append(combination)
                groupOfCombination.append(index)
            } else {
                groupOfCombination.append(groups.count)
                groups.append((spec.batchKey, fit.engine, rep, spec.stepBudget, [combination]))
            }
        }
        return Structure(expansion: expansion, structural: structural, groupOfCombination: groupOfCombination,
                         groups: groups.map { ($0.key, $0.steps, $0.combinations) }, repeatAxis: repeatAxis)
    }

    /// Points per combination of structural values.
    static func pointsPerCombination(_ structure: Structure) -> Int {
        let sizes = structure.expansion.sweep.sizes
        let structuralPoints = structure.structural.reduce(1) { $0 * sizes[$1] }
        return structure.expansion.pointsPerRow / max(structuralPoints, 1)
    }

    /// Every group of every row, with its size, without listing points.
    static func groups(_ plan: Plan) throws -> [Group] {
        try structures(plan).flatMap { structure -> [Group] in
            let perCombination = pointsPerCombination(structure)
            return structure.expansion.rows.indices.flatMap { row in
                structure.groups.map { group in
                    Group(stage: structure.expansion.stage.id, expansion: structure.expansion, row: row,
                          combinations: group.combinations, batchKey: group.key, maximumSteps: group.steps,
                          size: group.combinations.count * perCombination)
                }
            }
        }
    }

    /// How a group of `size` points is cut: near-equal pieces of at most
    /// `width`, and at least two once the group has 16 points, so that a
    /// single sweep keeps two cores busy (a rule of the pipeline alone, never
    /// of the machine: batch composition fixes the results' last bits).
    static func pieces(_ size: Int, width: Int) -> [Int] {
        guard size > 0 else { return [] }
        let count = max((size + width - 1) / width, size >= 16 ? 2 : 1)
        return (0..<count).map { size / count + ($0 < size % count ? 1 : 0) }
    }

    /// The batches a group is dealt to round-robin, at most: consecutive
    /// windows of this many batches share their stretch of the group's points.
    static let dealingWindow = PipelineSpec.dealingWindow

    /// The members of each piece, as positions in the group: dealt round-robin
    /// within windows of `dealingWindow` pieces (piece j of a window takes its
    /// stretch's positions j, j + pieces, …), so that each batch gets points
    /// from across a swept axis — along α or λ, training times vary by orders
    /// of magnitude, and contiguous pieces would leave one batch, and one core,
    /// with all the slow points — while each batch's points stay within a
    /// stretch of at most 8 × batch_width, which the results writer's chunk
    /// cache holds whole.
    static func members(_ size: Int, width: Int) -> [[Int]] {
        let sizes = pieces(size, width: width)
        var members = [[Int]](repeating: [], count: sizes.count)
        var start = 0
        for first in stride(from: 0, to: sizes.count, by: dealingWindow) {
            let window = first..<min(first + dealingWindow, sizes.count)
            let span = window.reduce(0) { $0 + sizes[$1] }
            for offset in 0..<span { members[window.lowerBound + offset % window.count].append(start + offset) }
            start += span
        }
        return members
    }

    /// The number of batches, from group sizes alone.
    static func batchCount(_ plan: Plan) throws -> Int {
        try groups(plan).reduce(0) { $0 + pieces($1.size, width: plan.spec.batchWidth).count }
    }

    /// Every batch of the plan, with its points, in plan order.
    static func batches(_ plan: Plan) throws -> [FitBatching.Batch] {
        var batches: [FitBatching.Batch] = []
        for structure in try structures(plan) {
            let expansion = structure.expansion
            let sizes = expansion.sweep.sizes
            let perRow = expansion.pointsPerRow
            // The stride of each axis in the point index (the first axis varies slowest).
            var strides = [Int](repeating: 1, count: sizes.count)
            for position in stride(from: sizes.count - 2, through: 0, by: -1) { strides[position] = strides[position + 1] * sizes[position + 1] }
            var combinationOfPoint = [Int](repeating: 0, count: perRow)
            for point in 0..<perRow {
                var combination = 0
                for position in structure.structural { combination = combination * sizes[position] + (point / strides[position]) % sizes[position] }
                combinationOfPoint[point] = combination
            }
            for (rowIndex, row) in expansion.rows.enumerated() {
                var members = [[Int]](repeating: [], count: structure.groups.count)
                let offset = expansion.range.lowerBound + rowIndex * perRow
                for point in 0..<perRow { members[structure.groupOfCombination[combinationOfPoint[point]]].append(offset + point) }
                // A fit stage always has its input: the row's upstream data instance.
                guard let data = row.inputs.first(where: { $0.slot == "input" })?.instances.first ?? row.upstream else { continue }
                let compare = row.inputs.first { $0.slot == "compare" }?.instances ?? []
                let dataLabel = expansion.stage.operation.output == .fits ? plan.instance(data).streamLabel : ""
                for group in members where !group.isEmpty {
                    for positions in FitBatching.members(group.count, width: plan.spec.batchWidth) {
                        let points = positions.map { group[$0] }
                        var rep = ""
                        if let axis = structure.repeatAxis, structure.groups[structure.groupOfCombination[combinationOfPoint[points[0] - offset]]].key.method.isStochastic {
                            rep = String((points[0] - offset) / strides[axis] % sizes[axis])
                        }
                        batches.append(FitBatching.Batch(index: batches.count, stage: expansion.stage.id, points: points, data: data,
                                                             compare: compare, orderLabel: "\(expansion.stage.id)/order/\(dataLabel)/\(rep)"))
                    }
                }
            }
        }
        return batches
    }
}

extension OptimizerMethod {
    var isStochastic: Bool { if case .sgd = self { return true } else { return false } }
}
