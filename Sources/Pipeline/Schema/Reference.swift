/// The pipeline reference, in Markdown, generated from the schemas: every op
/// and every key with its type, default and meaning. The README carries it
/// between markers, and a test keeps the two equal.
extension OperationRegistry {
    public var referenceMarkdown: String {
        var text = "### Top-level keys\n\n" + table(PipelineLoader.topLevel.keys, prefix: "", sweeps: false) + "\n"
        text += "### Keys of every stage\n\n| key | type | default | meaning |\n|---|---|---|---|\n"
        text += "| `op` | one of \(names.map { "`\($0)`" }.joined(separator: ", ")) | required | What the stage does. |\n"
        text += "| `sweep` | mapping | — | Keys to vary: lists, `{linspace: [a, b, n]}`, `{logspace: [a, b, n]}`, `{range: [a, b, step]}`, `zip:` groups, `repeat: N`. |\n"
        text += "| `description` | string | — | Free text. |\n"
        for operation in operations {
            text += "\n### `\(operation.name)`\n\n\(operation.summary)\n\n"
            if !operation.inputs.isEmpty {
                for slot in operation.inputs {
                    text += "- `\(slot.key)`: \(slot.multiple ? "one or more" : "one") \(slot.kinds.map(\.rawValue).joined(separator: " or ")) stage"
                        + "\(slot.multiple ? "s" : "") (\(producers(of: slot.kinds)))\(slot.required ? "" : ", optional"). \(slot.doc)\n"
                }
                text += "\n"
            }
            if operation.gathers { text += "Gathers every point of its inputs into one output; cannot be swept.\n\n" }
            text += table(operation.schema.keys, prefix: "")
        }
        return text
    }

    private func table(_ keys: [KeySpec], prefix: String, sweeps: Bool = true) -> String {
        var text = "| key | type | default | meaning |\n|---|---|---|---|\n"
        text += rows(keys, prefix: prefix, sweeps: sweeps)
        return text
    }

    private func rows(_ keys: [KeySpec], prefix: String, sweeps: Bool) -> String {
        var text = ""
        for key in keys {
            let name = prefix + key.name
            if case .record(let inner) = key.type {
                text += "| `\(name)` | mapping | — | \(key.doc) |\n"
                text += rows(inner.keys, prefix: name + ".", sweeps: sweeps)
                continue
            }
            let requirement: String
            switch key.requirement {
            case .required: requirement = "required"
            case .optional: requirement = "—"
            case .defaulted(let value): requirement = "`\(value.description)`"
            }
            let sweepable = key.sweepable || !sweeps ? "" : " Not sweepable."
            text += "| `\(name)` | \(key.type.referenceName) | \(requirement) | \(key.doc)\(sweepable) |\n"
        }
        return text
    }
}

extension ValueType {
    /// The type as the reference table shows it.
    var referenceName: String {
        switch self {
        case .integer(let min, let max):
            switch (min, max) {
            case let (lo?, hi?): return "integer \(lo)…\(hi)"
            case let (lo?, nil): return "integer ≥ \(lo)"
            case let (nil, hi?): return "integer ≤ \(hi)"
            default: return "integer"
            }
        case .number(let bounds): return "number" + bounds.description
        case .boolean: return "boolean"
        case .string: return "string"
        case .choice(let words): return words.map { "`\($0)`" }.joined(separator: " \\| ")
        case .file: return "path"
        case .list(let element, _): return "list of " + element.plural
        case .record: return "mapping"
        case .either(_, let description): return description
        }
    }
}
