import Operations
import Pipeline

/// The units of work of a run and their dependencies: one per stale data or
/// reference instance, one per stale batch, one per stale output. A unit
/// depends on the units that produce what it reads.
struct UnitGraph {
    enum Work {
        case instance(Int)
        case batch(WorkPlan.FitBatch)
        case gather(Int)
    }

    struct Unit {
        let id: Int
        let work: Work
        var dependencies: [Int]
    }

    private(set) var units: [Unit] = []

    init(plan: Plan, batches: [WorkPlan.FitBatch], mustRun: Set<Int>) {
        var unitOf: [Int: Int] = [:]  // instance → unit
        for expansion in plan.expansions {
            let operation = expansion.stage.operation
            guard !operation.gathers, operation.output != .fits else { continue }
            for index in expansion.range where mustRun.contains(index) {
                unitOf[index] = units.count
                units.append(Unit(id: units.count, work: .instance(index),
                                  dependencies: plan.instance(index).inputs.flatMap(\.instances).compactMap { unitOf[$0] }))
            }
        }
        for batch in batches where batch.points.contains(where: mustRun.contains) {
            let id = units.count
            for point in batch.points { unitOf[point] = id }
            units.append(Unit(id: id, work: .batch(batch), dependencies: ([batch.data] + batch.compare).compactMap { unitOf[$0] }))
        }
        for expansion in plan.expansions where expansion.stage.operation.gathers {
            for index in expansion.range where mustRun.contains(index) {
                let dependencies = Set(plan.instance(index).inputs.flatMap(\.instances).compactMap { unitOf[$0] })
                units.append(Unit(id: units.count, work: .gather(index), dependencies: dependencies.sorted()))
            }
        }
    }
}
