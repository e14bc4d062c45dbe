import Foundation
import enum Base.Suggestion

/// Reads and validates a pipeline file: YAML syntax, `--set` overrides, the
/// top-level keys, each stage's op, keys, inputs and sweep, the stage graph and
/// the input files — every problem in one pass, as diagnostics. Nothing runs.
public struct PipelineLoader: Sendable {
    public let registry: OperationRegistry

    public init(registry: OperationRegistry) {
        self.registry = registry
    }

    static let topLevel = Schema([
        KeySpec("version", .integer(min: 1, max: 1), .defaulted(.number(1)), sweepable: false,
                doc: "The pipeline format version; 1."),
        KeySpec("name", .string, sweepable: false, doc: "The study's name (default: the file name without extension)."),
        KeySpec("seed", .integer(min: 0), .defaulted(.number(0)), sweepable: false,
                doc: "The master seed: every random draw derives from it, the stage id and the point's coordinates."),
        KeySpec("description", .string, sweepable: false, doc: "Free text, kept in the results file."),
        KeySpec("batch_width", .integer(min: 1, max: 4096), .defaulted(.number(32)), sweepable: false,
                doc: "The most fit points trained together in one batch."),
        KeySpec("slurm", .record(Schema([
            KeySpec("shards", .integer(min: 1, max: 100_000), doc: "Array tasks (`--shards`)."),
            KeySpec("partition", .string, doc: "sbatch --partition."),
            KeySpec("time", .string, doc: "sbatch --time, per task (e.g. 2:00:00)."),
            KeySpec("cpus_per_task", .integer(min: 1, max: 4096), doc: "sbatch --cpus-per-task; each task runs that many jobs, one BLAS thread each (default 1)."),
            KeySpec("mem", .string, doc: "sbatch --mem (e.g. 8G)."),
            KeySpec("account", .string, doc: "sbatch --account."),
            KeySpec("sbatch_args", .list(.string), doc: "Further sbatch options, one per item (e.g. --qos=long)."),
        ])), sweepable: false,
                doc: "Defaults for `regime slurm` (its command-line options win)."),
    ])

    static let stageKeys = ["op", "sweep", "description"]

    /// Loads `path`, applying `overrides` (`key=value`, as given to `--set`).
    public func load(path: String, overrides: [String] = []) throws(PipelineError) -> PipelineSpec {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            var isDirectory: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
            let reason = !exists ? "no such file" : isDirectory.boolValue ? "is a directory" : "cannot be read as UTF-8 text"
            throw PipelineError([Diagnostic("\(path): \(reason)", at: nil)])
        }
        let directory = (path as NSString).deletingLastPathComponent
        return try parse(text: text, path: path, directory: directory.isEmpty ? "." : directory, overrides: overrides)
    }

    /// Validates pipeline text; `directory` resolves relative paths (nil skips file checks).
    public func parse(text: String, path: String, directory: String?, overrides: [String] = []) throws(PipelineError) -> PipelineSpec {
        var diagnostics: [Diagnostic] = []
        let source = SourceText(name: path, text: text)
        guard let document = YAMLReader.read(source, text: text, diagnostics: &diagnostics) else {
            throw PipelineError(diagnostics)
        }
        guard case .map(var root) = document else {
            throw PipelineError([Diagnostic("a pipeline is a mapping with 'stages:' (and optionally version, name, seed)",
                                            at: document.location)])
        }
        Overrides.apply(overrides, to: &root, diagnostics: &diagnostics)
        let context = ValidationContext(baseDirectory: directory)

        let top = PipelineLoader.topLevel.coerce(root, what: "the pipeline", context: context,
                                                 diagnostics: &diagnostics, ignoring: ["stages"])
        var stages: [StageSpec] = []
        var stageNodes: [String: SpecNode.Map] = [:]
        if let stagesNode = root["stages"] {
            if case .map(let map) = stagesNode {
                if map.entries.isEmpty { diagnostics.append(Diagnostic("'stages' is empty", at: map.location)) }
                let ids = map.entries.map(\.key.text)
                // Ops first, so that input checks can name what each stage produces.
                var operations: [String: any Operation] = [:]
                for (key, value) in map.entries {
                    if case .map(let stage) = value, case .scalar(let op)? = stage["op"], let operation = registry[op.text] {
                        operations[key.text] = operation
                    }
                }
                for (key, value) in map.entries {
                    guard key.text.range(of: "^[A-Za-z_][A-Za-z0-9_-]*$", options: .regularExpression) != nil else {
                        diagnostics.append(Diagnostic("stage id '\(key.text)' must start with a letter or _ and hold only letters, digits, _ and -",
                                                      at: key.location))
                        continue
                    }
                    guard case .map(let stageMap) = value else {
                        diagnostics.append(Diagnostic("stage '\(key.text)' must be a mapping with an 'op:'", at: value.location))
                        continue
                    }
                    stageNodes[key.text] = stageMap
                    if let stage = validateStage(id: key.text, key: key, map: stageMap, ids: ids, operations: operations,
                                                 context: context, diagnostics: &diagnostics) {
                        stages.append(stage)
                    }
                }
            } else {
                diagnostics.append(Diagnostic("'stages' must be a mapping of stage ids to stages, not \(stagesNode.kindDescription)",
                                              at: stagesNode.location))
            }
        } else {
            diagnostics.append(Diagnostic("missing required key 'stages' in the pipeline", at: root.location))
        }
        diagnostics += GraphCheck.cycles(stages: stages, nodes: stageNodes)
        // A stage that reads fit points (sample) reads denoisers: its fit must train on diffusion pairs.
        for stage in stages where stage.operation.readsFitData {
            guard let fitID = stage.inputs.first?.stages.first, let fit = stages.first(where: { $0.id == fitID }),
                  let dataID = fit.inputs.first?.stages.first, let data = stages.first(where: { $0.id == dataID }),
                  data.operation.output != .diffusion else { continue }
            diagnostics.append(Diagnostic("stage '\(stage.id)' (\(stage.operation.name)) draws from denoisers, but '\(fitID)' trains on '\(dataID)', a \(data.operation.name) stage: give it a diffuse stage's pairs",
                                          at: stage.location))
        }
        diagnostics += OutputCheck.diagnostics(stages: stages, nodes: stageNodes, pipeline: path, directory: directory)

        guard diagnostics.isEmpty, let top else { throw PipelineError(diagnostics) }
        let stem = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        return PipelineSpec(path: path, directory: directory ?? ".", text: text, overrides: overrides,
                            version: top["version"]!.integer!, name: top["name"]?.string ?? stem,
                            seed: UInt64(top["seed"]!.integer!), description: top["description"]?.string,
                            batchWidth: top["batch_width"]!.integer!, slurm: top["slurm"]?.map, stages: stages)
    }

    /// One stage: its op, keys, inputs and sweep.
    private func validateStage(id: String, key: SpecNode.Scalar, map: SpecNode.Map, ids: [String],
                               operations: [String: any Operation], context: ValidationContext,
                               diagnostics: inout [Diagnostic]) -> StageSpec? {
        guard let opNode = map["op"] else {
            diagnostics.append(Diagnostic("stage '\(id)' has no 'op:' (one of \(registry.names.joined(separator: ", ")))",
                                          at: key.location))
            return nil
        }
        guard case .scalar(let opScalar) = opNode, let operation = registry[opScalar.text] else {
            let text = (opNode.kindDescription)
            let hint: String?
            if case .scalar(let scalar) = opNode {
                hint = Suggestion.closest(to: scalar.text, among: registry.names).map { "did you mean '\($0)'?" }
            } else {
                hint = nil
            }
            diagnostics.append(Diagnostic("unknown op \(text) in stage '\(id)' (ops: \(registry.names.joined(separator: ", ")))",
                                          at: opNode.location, hint: hint))
            return nil
        }
        let what = "stage '\(id)'"
        let slotKeys = operation.inputs.map(\.key)
        var reserved = Set(PipelineLoader.stageKeys + slotKeys)
        // An op's own keys are checked by its schema; unknown ones get suggestions
        // from both the schema and the stage keys.
        var known = operation.schema
        known.keys += (PipelineLoader.stageKeys + slotKeys).map { KeySpec($0, .string, doc: "") }
        for (entry, _) in map.entries where !reserved.contains(entry.text) && operation.schema.key(entry.text) == nil {
            let hint = operation.schema.suggestion(for: entry.text, among: known.keys.map(\.name)).map { "did you mean '\($0)'?" }
            diagnostics.append(Diagnostic("unknown key '\(entry.text)' in \(what) (op \(operation.name))", at: entry.location, hint: hint))
            reserved.insert(entry.text)
        }
        // Problems with the stage as a whole (a missing key) point at its id.
        var located = map
        located.location = key.location
        // Keys the sweep gives need no value of their own.
        var swept = Set<String>()
        if case .map(let sweepMap)? = map["sweep"] {
            for (entry, value) in sweepMap.entries {
                if entry.text == "zip" {
                    let groups: [SpecNode] = { if case .list(let list) = value { return list.items } else { return [value] } }()
                    for case .map(let group) in groups { swept.formUnion(group.entries.map(\.key.text)) }
                } else {
                    swept.insert(entry.text)
                }
            }
        }
        let parameters = operation.schema.coerce(located, what: what, context: context, diagnostics: &diagnostics,
                                                 ignoring: reserved, swept: swept)

        var inputs: [(slot: String, stages: [String])] = []
        var inputsValid = true
        for slot in operation.inputs {
            guard let node = map[slot.key] else {
                if slot.required {
                    diagnostics.append(Diagnostic("stage '\(id)' (\(operation.name)) needs '\(slot.key):' naming \(slot.kindsDescription) stage (\(registry.producers(of: slot.kinds)))",
                                                  at: key.location))
                    inputsValid = false
                }
                continue
            }
            var references: [SpecNode.Scalar] = []
            switch node {
            case .scalar(let scalar) where !scalar.isNull: references = [scalar]
            case .list(let list) where slot.multiple:
                for item in list.items {
                    if case .scalar(let scalar) = item { references.append(scalar) } else {
                        diagnostics.append(Diagnostic("'\(slot.key)' of \(what) must list stage ids", at: item.location))
                        inputsValid = false
                    }
                }
            default:
                diagnostics.append(Diagnostic("'\(slot.key)' of \(what) must be \(slot.multiple ? "a stage id or a list of them" : "one stage id"), not \(node.kindDescription)",
                                              at: node.location))
                inputsValid = false
            }
            var named: [String] = []
            for reference in references {
                guard ids.contains(reference.text) else {
                    let fitting = ids.filter { $0 != id && operations[$0].map { slot.kinds.contains($0.output) } == true }
                    let hint = (Suggestion.closest(to: reference.text, among: fitting)
                        ?? Suggestion.closest(to: reference.text, among: ids.filter { $0 != id })).map { "did you mean '\($0)'?" }
                    let kinds = hint == nil && !fitting.isEmpty ? " (\(slot.kindsDescription) stage\(fitting.count == 1 ? "" : "s") here: \(fitting.joined(separator: ", ")))" : ""
                    diagnostics.append(Diagnostic("unknown stage '\(reference.text)' in '\(slot.key)' of \(what)\(kinds)",
                                                  at: reference.location, hint: hint))
                    inputsValid = false
                    continue
                }
                if let producer = operations[reference.text], !slot.kinds.contains(producer.output) {
                    diagnostics.append(Diagnostic("'\(slot.key)' of \(what) must name \(slot.kindsDescription) stage (\(registry.producers(of: slot.kinds))); '\(reference.text)' is a \(producer.name) stage",
                                                  at: reference.location))
                    inputsValid = false
                    continue
                }
                named.append(reference.text)
            }
            inputs.append((slot.key, named))
        }

        var sweep = Sweep()
        var sweepValid = true
        if let node = map["sweep"] {
            if operation.gathers {
                diagnostics.append(Diagnostic("stage '\(id)' (\(operation.name)) gathers every point of its inputs and cannot be swept",
                                              at: map.keyNode("sweep")!.location))
                sweepValid = false
            } else if let parsed = SweepParser.parse(node, stage: id, operation: operation, context: context, diagnostics: &diagnostics) {
                sweep = parsed
            } else {
                sweepValid = false
            }
        }
        guard let parameters, inputsValid, sweepValid else { return nil }
        // The op's typed parameters decode (at the sweep's first point, which
        // gives the keys only the sweep gives).
        var first = parameters
        if sweep.pointCount > 0 {
            for (key, value, role) in sweep.point(0) where role != .replicate { first[path: key] = value }
        }
        do {
            try operation.decodes(first)
        } catch {
            diagnostics.append(Diagnostic("internal error: stage '\(id)' (\(operation.name)): \(error); regime's schema and its decoding disagree — please report this",
                                          at: key.location))
            return nil
        }
        // Problems that depend on the inputs' kinds, at the written values and at each swept value.
        var kinds: [String: ArtifactKind] = [:]
        for (slot, named) in inputs { if let first = named.first, let producer = operations[first] { kinds[slot] = producer.output } }
        var variants = [first]
        for axis in sweep.axes {
            let rows: [[(String, Value)]]
            switch axis {
            case .values(let key, let values): rows = values.map { [(key, $0)] }
            case .zip(let keys, let table): rows = table.map { Array(zip(keys, $0)) }
            case .repeat, .folds: rows = []
            }
            for row in rows {
                var varied = first
                for (key, value) in row { varied[path: key] = value }
                variants.append(varied)
            }
        }
        var reported = Set<String>()
        for variant in variants {
            for (problemKey, message) in operation.inputProblems(variant, inputs: kinds) where reported.insert(problemKey + message).inserted {
                let location = map.keyNode(problemKey.split(separator: ".").first.map(String.init) ?? problemKey)?.location ?? key.location
                diagnostics.append(Diagnostic("\(message) (in \(what))", at: location))
            }
        }
        if !reported.isEmpty { return nil }
        if let problem = SweepPointCheck.firstProblem(schema: operation.schema, parameters: parameters, sweep: sweep) {
            let sweepMap: SpecNode.Map? = { if case .map(let map)? = map["sweep"] { return map } else { return nil } }()
            let location = sweepMap?.keyNode(problem.axisKey)?.location ?? map.keyNode("sweep")?.location ?? key.location
            diagnostics.append(Diagnostic("\(problem.message) (in \(what), at \(problem.point))", at: location))
            return nil
        }
        return StageSpec(id: id, operation: operation, parameters: parameters, inputs: inputs, sweep: sweep,
                         location: key.location)
    }
}
