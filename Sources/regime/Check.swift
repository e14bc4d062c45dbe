import ArgumentParser
import Engine
import Foundation
import Pipeline

/// `regime check`: validate a pipeline and show what it expands to.
struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Validate a pipeline; print its stages, sweep sizes and points.",
        discussion: "Every problem is reported in one pass, with file:line:column; exit 2 when there is any.")

    @OptionGroup var pipelineOptions: PipelineOptions

    func run() throws {
        let plan = try pipelineOptions.plan()
        let spec = plan.spec
        let estimate = try reportingErrors { try MemoryEstimate.of(plan, jobs: ProcessInfo.processInfo.activeProcessorCount) }
        if let limit = try pipelineOptions.memoryLimit(), let problem = estimate.problem(limit: limit) {
            printError("\(spec.path): \(problem)")
            throw ExitCode(Exit.inputError)
        }
        print("\(spec.path): valid (\(spec.name), seed \(spec.seed))")
        let rows = spec.stages.map { stage -> [String] in
            let count = plan.indices(of: stage.id).count
            var detail = stage.sweep.shape
            if stage.operation.gathers {
                let points = plan.instances(of: stage.id).first?.inputs.flatMap(\.instances).count ?? 0
                detail = "gathers \(points) point\(points == 1 ? "" : "s")"
            }
            let folds = stage.operation.implicitAxes(stage.parameters).isEmpty ? "" : (detail.isEmpty ? "" : ", ") + "folds"
            return [stage.id, stage.operation.name, String(count), detail + folds]
        }
        let table = [["stage", "op", "instances", "sweep"]] + rows
        let widths = (0..<4).map { column in table.map { $0[column].count }.max()! }
        for row in table {
            let cells = row.enumerated().map { column, text in
                column == 2 ? String(repeating: " ", count: widths[2] - text.count) + text
                    : text.padding(toLength: widths[column], withPad: " ", startingAt: 0)
            }
            print(cells.joined(separator: "  ").trimmingCharacters(in: .whitespaces))
        }
        let fits = spec.stages.filter { $0.operation.output == .fits }.reduce(0) { $0 + (plan.indices(of: $1.id).count) }
        let batches = try reportingErrors { try planBatchCount(plan) }
        print("\(fits) fit point\(fits == 1 ? "" : "s") in \(batches) batch\(batches == 1 ? "" : "es"); \(plan.count) instances in all")
        print(estimate.summary)
    }
}

/// `regime dag`: the stage graph.
struct Dag: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the stage graph as text, or as Graphviz DOT.")

    @OptionGroup var pipelineOptions: PipelineOptions

    @Flag(help: "Graphviz DOT (render with: regime dag p.yaml --dot | dot -Tsvg > dag.svg).")
    var dot = false

    func run() throws {
        let plan = try pipelineOptions.plan()
        let spec = plan.spec
        if dot {
            print("digraph \"\(spec.name)\" {")
            print("  rankdir=LR;")
            print("  node [shape=box, style=rounded, fontname=\"Helvetica\"];")
            for stage in spec.stages {
                let count = plan.indices(of: stage.id).count
                print("  \"\(stage.id)\" [label=\"\(stage.id)\\n\(stage.operation.name) × \(count)\"];")
            }
            for stage in spec.stages {
                for (slot, inputs) in stage.inputs {
                    for input in inputs {
                        print("  \"\(input)\" -> \"\(stage.id)\"" + (slot == "input" ? ";" : " [label=\"\(slot)\", style=dashed];"))
                    }
                }
            }
            print("}")
            return
        }
        let idWidth = spec.stages.map(\.id.count).max() ?? 0
        let opWidth = spec.stages.map(\.operation.name.count).max() ?? 0
        for stage in spec.topologicalOrder {
            let count = plan.indices(of: stage.id).count
            var line = stage.id.padding(toLength: idWidth, withPad: " ", startingAt: 0) + "  "
                + stage.operation.name.padding(toLength: opWidth, withPad: " ", startingAt: 0) + "  ×\(count)"
            let sources = stage.inputs.flatMap { slot in slot.stages.map { slot.slot == "input" ? $0 : "\($0) (\(slot.slot))" } }
            if !sources.isEmpty { line += "  ← " + sources.joined(separator: ", ") }
            print(line)
        }
    }
}
