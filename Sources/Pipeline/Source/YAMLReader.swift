import Yams

/// Reads YAML text into `SpecNode`s. Syntax errors and duplicate keys become
/// diagnostics; a duplicate key is reported where it repeats.
enum YAMLReader {
    /// Parses one document. Returns nil (with diagnostics) when the text is not YAML.
    static func read(_ source: SourceText, text: String, lineOffset: Int = 0, columnOffset: Int = 0,
                     diagnostics: inout [Diagnostic]) -> SpecNode? {
        let shift = Shift(line: lineOffset, column: columnOffset)
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            diagnostics.append(syntaxDiagnostic(error, source, shift))
            return nil
        } catch {
            diagnostics.append(Diagnostic("not readable as YAML: \(error)", at: nil))
            return nil
        }
        guard let node else {
            return .map(.init(entries: [], location: SourceLocation(source: source, line: 1, column: 1)))
        }
        return convert(node, source, shift, &diagnostics)
    }

    /// Where the parsed text sits inside its source (a `--set` value sits after
    /// `--set key=` on line 1).
    struct Shift {
        var line: Int
        var column: Int
    }

    private static func location(_ mark: Mark?, _ source: SourceText, _ shift: Shift, length: Int = 1) -> SourceLocation {
        let line = mark?.line ?? 1
        return SourceLocation(source: source, line: line + shift.line,
                              column: (mark?.column ?? 1) + (line == 1 ? shift.column : 0), length: length)
    }

    private static func convert(_ node: Node, _ source: SourceText, _ shift: Shift, _ diagnostics: inout [Diagnostic]) -> SpecNode {
        switch node {
        case .scalar(let scalar):
            return .scalar(convertScalar(scalar, source, shift))
        case .sequence(let sequence):
            return .list(.init(items: sequence.map { convert($0, source, shift, &diagnostics) },
                               location: location(sequence.mark, source, shift)))
        case .mapping(let mapping):
            var entries: [(key: SpecNode.Scalar, value: SpecNode)] = []
            var seen: [String: SpecNode.Scalar] = [:]
            for (keyNode, valueNode) in mapping {
                guard case .scalar(let keyScalar) = keyNode else {
                    diagnostics.append(Diagnostic("a key must be a plain name, not a list or mapping",
                                                  at: location(keyNode.mark, source, shift)))
                    continue
                }
                let key = convertScalar(keyScalar, source, shift)
                if let first = seen[key.text] {
                    diagnostics.append(Diagnostic("duplicate key '\(key.text)'", at: key.location,
                                                  notes: ["first given at line \(first.location.line), column \(first.location.column)"]))
                    continue
                }
                seen[key.text] = key
                entries.append((key, convert(valueNode, source, shift, &diagnostics)))
            }
            return .map(.init(entries: entries, location: location(mapping.mark, source, shift)))
        }
    }

    private static func convertScalar(_ scalar: Node.Scalar, _ source: SourceText, _ shift: Shift) -> SpecNode.Scalar {
        let quoted = scalar.style == .singleQuoted || scalar.style == .doubleQuoted
        let length = max(1, scalar.string.count + (quoted ? 2 : 0))
        return SpecNode.Scalar(text: scalar.string, quoted: quoted, location: location(scalar.mark, source, shift, length: length))
    }

    private static func syntaxDiagnostic(_ error: YamlError, _ source: SourceText, _ shift: Shift) -> Diagnostic {
        switch error {
        case .scanner(let context, let problem, let mark, _),
             .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            var message = "invalid YAML: \(problem)"
            if let context { message += " (\(context.text) at line \(context.mark.line), column \(context.mark.column))" }
            return Diagnostic(message, at: location(mark, source, shift))
        case .reader(let problem, _, _, _):
            return Diagnostic("invalid YAML text: \(problem)", at: nil)
        default:
            return Diagnostic("invalid YAML: \(error)", at: nil)
        }
    }
}
