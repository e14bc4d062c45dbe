/// Checks on the stage graph as a whole.
enum GraphCheck {
    /// Every cycle among stage inputs, once each, printed as a → b → a and
    /// located at the first stage's declaration.
    static func cycles(stages: [StageSpec], nodes: [String: SpecNode.Map]) -> [Diagnostic] {
        let edges = Dictionary(uniqueKeysWithValues: stages.map { ($0.id, $0.inputIDs) })
        var state: [String: Int] = [:]  // 1: on the stack, 2: done
        var stack: [String] = []
        var reported = Set<Set<String>>()
        var diagnostics: [Diagnostic] = []
        func visit(_ id: String) {
            state[id] = 1
            stack.append(id)
            for next in edges[id] ?? [] {
                if state[next] == 1, let start = stack.firstIndex(of: next) {
                    let cycle = Array(stack[start...])
                    if reported.insert(Set(cycle)).inserted {
                        // Report at the earliest-declared stage of the cycle.
                        let first = stages.first { cycle.contains($0.id) }!.id
                        let rotation = cycle.firstIndex(of: first)!
                        let ordered = Array(cycle[rotation...] + cycle[..<rotation])
                        let path = (ordered + [first]).reversed().joined(separator: " → ")
                        let location = nodes[first]?.keyNode("input")?.location ?? stages.first { $0.id == first }?.location
                        diagnostics.append(Diagnostic("the stages form a cycle: \(path)", at: location))
                    }
                } else if state[next] == nil, edges[next] != nil {
                    visit(next)
                }
            }
            stack.removeLast()
            state[id] = 2
        }
        for stage in stages where state[stage.id] == nil { visit(stage.id) }
        return diagnostics
    }
}
