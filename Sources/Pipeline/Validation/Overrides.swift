/// `--set key=value` overrides (Hydra style), applied to the YAML tree before
/// validation, so that a bad value gets the same checks as one in the file —
/// with the diagnostic pointing at the command-line argument.
enum Overrides {
    static let topLevelKeys = PipelineLoader.topLevel.keys.map(\.name)

    /// Applies each override to `root`; problems with an argument itself (not
    /// `key=value`, unknown stage, a swept key) become diagnostics.
    static func apply(_ arguments: [String], to root: inout SpecNode.Map, diagnostics: inout [Diagnostic]) {
        // The --set arguments are the lines of one source, `<command line>`, in
        // order: a diagnostic's line says which argument it is about.
        let source = SourceText(name: "<command line>", text: arguments.map { "--set " + $0 }.joined(separator: "\n"))
        for (number, argument) in arguments.enumerated() {
            let lineNumber = number + 1
            guard let equals = argument.firstIndex(of: "="), equals != argument.startIndex else {
                diagnostics.append(Diagnostic("--set needs key=value, e.g. --set fit.optimizer.steps=100",
                                              at: SourceLocation(source: source, line: lineNumber, column: 7, length: argument.count)))
                continue
            }
            let keyText = String(argument[..<equals])
            let valueText = String(argument[argument.index(after: equals)...])
            let keyColumn = 7
            var path = keyText.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            func at(component index: Int) -> SourceLocation {
                let column = keyColumn + path[..<index].reduce(0) { $0 + $1.count + 1 }
                return SourceLocation(source: source, line: lineNumber, column: column, length: path[index].count)
            }
            if path.contains("") {
                diagnostics.append(Diagnostic("empty key component in '\(keyText)'",
                                              at: SourceLocation(source: source, line: lineNumber, column: keyColumn, length: keyText.count)))
                continue
            }
            var parsed: [Diagnostic] = []
            let value = YAMLReader.read(source, text: valueText.isEmpty ? "''" : valueText, lineOffset: number,
                                        columnOffset: keyColumn + keyText.count, diagnostics: &parsed)
            // A value cut short (`[1,`) fails at the end of input: point at the
            // end of its own argument rather than the next line.
            let end = 6 + argument.count
            diagnostics += parsed.map { diagnostic in
                var moved = diagnostic
                // libyaml's context names lines of the value alone: drop it.
                if let cut = moved.message.range(of: " (while ") { moved.message = String(moved.message[..<cut.lowerBound]) }
                if let location = diagnostic.location, location.line != lineNumber || location.column > end {
                    moved.location = SourceLocation(source: source, line: lineNumber, column: end, length: 1)
                }
                return moved
            }
            guard let value else { continue }

            if path.first == "stages", path.count > 1 { path.removeFirst() }
            var stageIDs: [String] = []
            if case .map(let stages)? = root["stages"] { stageIDs = stages.entries.map { $0.key.text } }
            if path.count == 1 {
                guard topLevelKeys.contains(path[0]) else {
                    let hint = Suggestion.closest(to: path[0], among: topLevelKeys + stageIDs).map { "did you mean '\($0)'?" }
                    diagnostics.append(Diagnostic("unknown top-level key '\(path[0])'", at: at(component: 0), hint: hint))
                    continue
                }
                set(&root, path: path, locations: (0..<path.count).map(at(component:)), value: value)
                continue
            }
            guard stageIDs.contains(path[0]) else {
                let hint = Suggestion.closest(to: path[0], among: stageIDs + topLevelKeys).map { "did you mean '\($0)'?" }
                diagnostics.append(Diagnostic("no stage '\(path[0])' in the pipeline", at: at(component: 0), hint: hint))
                continue
            }
            guard case .map(var stages)? = root["stages"], let stageIndex = stages.entries.firstIndex(where: { $0.key.text == path[0] }),
                  case .map(var stage) = stages.entries[stageIndex].value else {
                diagnostics.append(Diagnostic("stage '\(path[0])' is not a mapping", at: at(component: 0)))
                continue
            }
            let keyPath = path.dropFirst().joined(separator: ".")
            if path[1] != "sweep", case .map(let sweep)? = stage["sweep"], let swept = sweep.keyNode(keyPath) {
                diagnostics.append(Diagnostic("'\(keyText)' is swept (line \(swept.location.line)); set \(path[0]).sweep.\(keyPath)=[…] to change its values",
                                              at: SourceLocation(source: source, line: lineNumber, column: keyColumn, length: keyText.count)))
                continue
            }
            // Sweep keys are dotted paths themselves (`sweep: {optimizer.lr: […]}`): in
            // `stage.sweep.optimizer.lr=[…]` everything after `sweep` is one key, unless it
            // names into a generator the sweep already has (`sweep.l2.logspace`) or a zip group.
            var setPath = Array(path.dropFirst()), locations = (1..<path.count).map(at(component:))
            if path[1] == "sweep", path.count > 3, path[2] != "zip" {
                let nested: Bool = {
                    if case .map(let sweep)? = stage["sweep"], case .map? = sweep[path[2]] { return true }
                    return false
                }()
                if !nested {
                    setPath = ["sweep", path.dropFirst(2).joined(separator: ".")]
                    locations = [at(component: 1), at(component: 2)]
                }
            }
            set(&stage, path: setPath, locations: locations, value: value)
            stages.entries[stageIndex].value = .map(stage)
            if let index = root.entries.firstIndex(where: { $0.key.text == "stages" }) {
                root.entries[index].value = .map(stages)
            }
        }
    }

    /// Sets a value at a key path, creating mappings on the way; new keys carry
    /// the command-line location of their path component.
    private static func set(_ map: inout SpecNode.Map, path: [String], locations: [SourceLocation], value: SpecNode) {
        let key = path[0]
        let index = map.entries.firstIndex { $0.key.text == key }
        if path.count == 1 {
            if let index {
                map.entries[index].value = value
            } else {
                map.entries.append((SpecNode.Scalar(text: key, quoted: false, location: locations[0]), value))
            }
            return
        }
        var inner: SpecNode.Map
        if let index, case .map(let existing) = map.entries[index].value {
            inner = existing
        } else {
            inner = SpecNode.Map(entries: [], location: locations[0])
        }
        set(&inner, path: Array(path.dropFirst()), locations: Array(locations.dropFirst()), value: value)
        if let index {
            map.entries[index].value = .map(inner)
        } else {
            map.entries.append((SpecNode.Scalar(text: key, quoted: false, location: locations[0]), .map(inner)))
        }
    }
}

import enum Base.Suggestion
