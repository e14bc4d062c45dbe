import enum Base.Suggestion

/// Reads a stage's `sweep:` mapping into axes, checking every key against the
/// op's sweepable keys and every value against the key's type.
enum SweepParser {
    static func parse(_ node: SpecNode, stage: String, operation: any Operation, context: ValidationContext,
                      diagnostics: inout [Diagnostic]) -> Sweep? {
        guard case .map(let map) = node else {
            diagnostics.append(Diagnostic("'sweep' of stage '\(stage)' must be a mapping of keys to values, not \(node.kindDescription)",
                                          at: node.location))
            return nil
        }
        var axes: [Sweep.Axis] = []
        var ok = true
        var seen: [String: SourceLocation] = [:]
        func claim(_ key: String, _ location: SourceLocation) -> Bool {
            if let first = seen[key] {
                diagnostics.append(Diagnostic("'\(key)' is swept twice in stage '\(stage)'", at: location,
                                              notes: ["first at line \(first.line), column \(first.column)"]))
                return false
            }
            seen[key] = location
            return true
        }
        for (key, value) in map.entries {
            switch key.text {
            case "repeat":
                guard claim("rep", key.location),
                      let count = ValueType.integer(min: 1, max: 1_000_000).coerce(value, what: "'repeat' in the sweep of stage '\(stage)'",
                                                                                  context: context, diagnostics: &diagnostics) else {
                    ok = false
                    continue
                }
                axes.append(.repeat(count: count.integer!))
            case "zip":
                var groups: [SpecNode.Map] = []
                switch value {
                case .map(let group): groups = [group]
                case .list(let list):
                    for item in list.items {
                        if case .map(let group) = item { groups.append(group) } else {
                            diagnostics.append(Diagnostic("each 'zip' group must be a mapping of keys to equally long lists", at: item.location))
                            ok = false
                        }
                    }
                default:
                    diagnostics.append(Diagnostic("'zip' must be a mapping of keys to equally long lists (or a list of such mappings)",
                                                  at: value.location))
                    ok = false
                }
                for group in groups {
                    var keys: [String] = [], columns: [[Value]] = []
                    var groupOK = true
                    for (zipKey, zipValue) in group.entries {
                        guard claim(zipKey.text, zipKey.location),
                              let values = values(for: zipKey, zipValue, stage: stage, operation: operation, context: context, diagnostics: &diagnostics) else {
                            groupOK = false
                            continue
                        }
                        if let first = columns.first, first.count != values.count {
                            diagnostics.append(Diagnostic("zipped keys need equally many values: '\(zipKey.text)' has \(values.count), '\(keys[0])' has \(first.count)",
                                                          at: zipValue.location))
                            groupOK = false
                            continue
                        }
                        keys.append(zipKey.text)
                        columns.append(values)
                    }
                    if groupOK, !keys.isEmpty {
                        let rows = (0..<columns[0].count).map { row in columns.map { $0[row] } }
                        axes.append(.zip(keys: keys, rows: rows))
                    } else {
                        ok = false
                    }
                }
            default:
                guard claim(key.text, key.location),
                      let values = values(for: key, value, stage: stage, operation: operation, context: context, diagnostics: &diagnostics) else {
                    ok = false
                    continue
                }
                axes.append(.values(key: key.text, values: values))
            }
        }
        return ok ? Sweep(axes: axes) : nil
    }

    /// The values of one swept key: a list, or a generator mapping.
    private static func values(for key: SpecNode.Scalar, _ node: SpecNode, stage: String, operation: any Operation,
                               context: ValidationContext, diagnostics: inout [Diagnostic]) -> [Value]? {
        guard let spec = operation.schema.key(path: key.text), operation.schema.sweepablePaths.contains(key.text) else {
            if operation.schema.key(path: key.text) != nil {
                diagnostics.append(Diagnostic("'\(key.text)' of stage '\(stage)' (\(operation.name)) cannot be swept", at: key.location))
            } else {
                let hint = (operation.schema.aliases[key.text.lowercased()]
                    ?? Suggestion.closest(to: key.text, among: operation.schema.sweepablePaths)).map { "did you mean '\($0)'?" }
                diagnostics.append(Diagnostic("cannot sweep '\(key.text)': op \(operation.name) (stage '\(stage)') has no such key",
                                              at: key.location, hint: hint))
            }
            return nil
        }
        let what = "'\(key.text)' in the sweep of stage '\(stage)'"
        switch node {
        case .list(let list):
            guard !list.items.isEmpty else {
                diagnostics.append(Diagnostic("\(what) lists no values", at: node.location))
                return nil
            }
            var values: [Value] = []
            var ok = true
            for item in list.items {
                if let value = spec.type.coerce(item, what: what, context: context, diagnostics: &diagnostics) {
                    values.append(value)
                } else {
                    ok = false
                }
            }
            return ok ? values : nil
        case .map(let generator):
            guard generator.entries.count == 1, let (name, arguments) = generator.entries.first.map({ ($0.key, $0.value) }),
                  ["linspace", "logspace", "range"].contains(name.text) else {
                let first = generator.entries.first?.key
                let hint = first.flatMap { Suggestion.closest(to: $0.text, among: ["linspace", "logspace", "range"]) }.map { "did you mean '\($0)'?" }
                diagnostics.append(Diagnostic("\(what) must be a list, or one of {linspace: [a, b, n]}, {logspace: [a, b, n]}, {range: [a, b, step]}",
                                              at: first?.location ?? node.location, hint: hint))
                return nil
            }
            guard case .list(let list) = arguments, list.items.count == 3 else {
                diagnostics.append(Diagnostic("'\(name.text)' takes three numbers: [\(name.text == "range" ? "start, stop, step" : "start, stop, count")]",
                                              at: arguments.location))
                return nil
            }
            var numbers: [Double] = []
            for item in list.items {
                guard let number = ValueType.number().coerce(item, what: "'\(name.text)' argument", context: context, diagnostics: &diagnostics)?.number else {
                    return nil
                }
                numbers.append(number)
            }
            switch Sweep.generate(name.text, numbers) {
            case .failure(.count(let count)):
                diagnostics.append(Diagnostic("the count of '\(name.text)' must be a whole number ≥ 1 (got \(Value.format(count)))",
                                              at: list.items[2].location))
                return nil
            case .failure(.step):
                diagnostics.append(Diagnostic("the step of 'range' must be a nonzero number", at: list.items[2].location))
                return nil
            case .failure(.tooMany(let count)):
                diagnostics.append(Diagnostic("'\(name.text)' would give \(count) values; a swept key takes at most \(Sweep.maximumValues)",
                                              at: list.location))
                return nil
            case .success(let generated):
                guard !generated.isEmpty else {
                    diagnostics.append(Diagnostic("'range' gives no values (the step goes away from the stop)", at: list.location))
                    return nil
                }
                var values: [Value] = []
                for number in generated {
                    // Generated values meet the same type and range checks as written ones.
                    let scalar = SpecNode.Scalar(text: "\(number)", quoted: false, location: node.location)
                    var problems: [Diagnostic] = []
                    if let value = spec.type.coerce(.scalar(scalar), what: what, context: context, diagnostics: &problems) {
                        values.append(value)
                    } else {
                        diagnostics.append(Diagnostic((problems.first?.message ?? "\(what): bad value") + " from \(name.text)",
                                                      at: name.location))
                        return nil
                    }
                }
                return values
            }
        case .scalar:
            diagnostics.append(Diagnostic("\(what) must be a list of values or a generator such as {logspace: [-3, 0, 4]}, not \(node.kindDescription)",
                                          at: node.location))
            return nil
        }
    }
}
