/// A pipeline expanded into stage instances: every stage at every point of its
/// sweep, below every instance of its primary input, each with a content key.
///
/// A stage's instances run over its `input` instances (outer) and its own sweep
/// points (inner), so a fit below a swept `synthesize` runs once per data point
/// times its own sweep. Other input slots (`compare:`) read the instance of
/// their stage whose coordinates the instance shares. A gathering stage
/// (write, export) has one instance reading every instance of its inputs.
public struct Plan: Sendable {
    public let spec: PipelineSpec
    public let instances: [StageInstance]
    /// Stage id → its instances, in point order.
    public let instancesByStage: [String: [Int]]

    public init(_ spec: PipelineSpec) throws(PipelineError) {
        self.spec = spec
        var instances: [StageInstance] = []
        var byStage: [String: [Int]] = [:]
        var diagnostics: [Diagnostic] = []
        let provenance = ContentKey.hash(spec.text + "\n" + spec.overrides.joined(separator: "\n"))
        for stage in spec.topologicalOrder {
            let operation = stage.operation
            var indices: [Int] = []
            func add(coordinates upstream: [Coordinate], own: [(key: String, value: Value)],
                     inputs: [(slot: String, instances: [Int])]) {
                var coordinates = upstream
                var ownCoordinates: [Coordinate] = []
                var parameters = stage.parameters
                for (key, value) in own {
                    if key != "rep" { parameters[path: key] = value }
                    let taken = coordinates.contains { $0.name == key }
                    let coordinate = Coordinate(name: taken ? "\(stage.id).\(key)" : key, value: value, stage: stage.id)
                    coordinates.append(coordinate)
                    ownCoordinates.append(coordinate)
                }
                let inputText = inputs.map { slot in
                    slot.slot + "=" + slot.instances.map { instances[$0].key }.joined(separator: ",")
                }.joined(separator: ";")
                let stream = "\(spec.seed)/\(stage.id)/" + coordinates.map { "\($0.name)=\($0.value.canonical)" }.joined(separator: ",")
                let parts = StageInstance.KeyParts(
                    numerics: "regime \(ContentKey.numericsVersion), \(operation.name) \(operation.numericsVersion)",
                    parameters: Value.map(parameters).canonical, inputs: inputText,
                    stream: operation.usesRandomness ? stream : "",
                    provenance: operation.gathers ? provenance : "")
                let key = ContentKey.hash([operation.name, parts.numerics, parts.parameters, parts.inputs, parts.stream,
                                           parts.provenance].joined(separator: "\n"))
                let index = instances.count
                instances.append(StageInstance(index: index, stage: stage.id, coordinates: coordinates,
                                               ownCoordinates: ownCoordinates, parameters: parameters, inputs: inputs,
                                               key: key, parts: parts, streamLabel: stream))
                indices.append(index)
            }

            let points = Sweep(axes: stage.sweep.axes + operation.implicitAxes(stage.parameters)).points()
            if operation.gathers {
                add(coordinates: [], own: [], inputs: stage.inputs.map { ($0.slot, $0.stages.flatMap { byStage[$0] ?? [] }) })
            } else if let primary = stage.inputs.first, let source = primary.stages.first {
                for upstream in byStage[source] ?? [] {
                    let base = instances[upstream].coordinates
                    var inputs: [(slot: String, instances: [Int])] = [(primary.slot, [upstream])]
                    var matched = true
                    for secondary in stage.inputs.dropFirst() {
                        var chosen: [Int] = []
                        for other in secondary.stages {
                            let candidates = (byStage[other] ?? []).filter { candidate in
                                instances[candidate].coordinates.allSatisfy { coordinate in
                                    base.contains { $0.name == coordinate.name && $0.value == coordinate.value }
                                }
                            }
                            guard candidates.count == 1 else {
                                matched = false
                                let why = candidates.isEmpty ? "none of its instances shares the coordinates of \(instances[upstream].identity)"
                                    : "\(candidates.count) of its instances match \(instances[upstream].identity)"
                                diagnostics.append(Diagnostic("stage '\(stage.id)' cannot pair '\(other)' (\(secondary.slot)) with its input '\(source)': \(why); the \(secondary.slot) stage must be swept over no more than its input",
                                                              at: stage.location))
                                break
                            }
                            chosen += candidates
                        }
                        inputs.append((secondary.slot, chosen))
                    }
                    if !matched { break }
                    for point in points { add(coordinates: base, own: point, inputs: inputs) }
                }
            } else {
                for point in points { add(coordinates: [], own: point, inputs: []) }
            }
            byStage[stage.id] = indices
        }
        if !diagnostics.isEmpty { throw PipelineError(diagnostics) }
        self.instances = instances
        self.instancesByStage = byStage
    }

    public func instances(of stage: String) -> [StageInstance] {
        (instancesByStage[stage] ?? []).map { instances[$0] }
    }
}
