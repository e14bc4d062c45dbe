import Operations
import Pipeline

/// The units of work of a run and their dependencies: one per stale data,
/// reference or sample instance, one per stale batch, one per stale output. A unit
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
        // Instances of stages that read fit points (sample) come after the batches.
        func addInstances(_ expansions: [StageExpansion]) {
            for expansion in expansions {
                for index in expansion.range where mustRun.contains(index) {
                    unitOf[index] = units.count
                    units.append(Unit(id: units.count, work: .instance(index),
                                      dependencies: Array(Set(plan.instance(index).inputs.flatMap(\.instances).compactMap { unitOf[$0] })).sorted()))
                }
            }
        }
        let instanceStages = plan.expansions.filter { !$0.stage.operation.gathers && $0.stage.operation.output != .fits }
        addInstances(instanceStages.filter { !$0.stage.operation.readsFitData })
        for batch in batches where batch.points.contains(where: mustRun.contains) {
            let id = units.count
            for point in batch.points { unitOf[point] = id }
            units.append(Unit(id: id, work: .batch(batch), dependencies: ([batch.data] + batch.compare).compactMap { unitOf[$0] }))
        }
        addInstances(instanceStages.filter { $0.stage.operation.readsFitData })
        for expansion in plan.expansions where expansion.stage.operation.gathers {
            for index in expansion.range where mustRun.contains(index) {
                // A gathered sample instance's training result is read from its fit point's batch.
                let gathered = plan.instance(index).inputs.flatMap(\.instances)
                let dependencies = Set((gathered + gathered.map(plan.trainingSource)).compactMap { unitOf[$0] })
                units.append(Unit(id: units.count, work: .gather(index), dependencies: dependencies.sorted()))
            }
        }
    }
}
