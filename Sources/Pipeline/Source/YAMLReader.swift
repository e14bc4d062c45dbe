import Base
import Foundation
import Yams

/// Reads YAML text into `SpecNode`s. Syntax errors and duplicate keys become
/// diagnostics; a duplicate key is reported where it repeats.
///
/// Limits, so that no text can exhaust the stack or the memory: a pipeline is
/// at most `maximumBytes` long, nests mappings and lists at most
/// `maximumDepth` deep, and expands to at most `maximumNodes` nodes — aliases
/// (`*name`) count the nodes they repeat each time, so a few hundred bytes of
/// nested aliases ("billion laughs") cannot grow into gigabytes.
enum YAMLReader {
    /// The longest pipeline text: 16 MiB.
    static let maximumBytes = 16 << 20
    /// The deepest nesting of mappings and lists (a pipeline needs about 5).
    static let maximumDepth = 64
    /// The most nodes the document may expand to, aliases expanded.
    static let maximumNodes = 1_000_000

    /// Parses one document. Returns nil (with diagnostics) when the text is not YAML.
    static func read(_ source: SourceText, text: String, lineOffset: Int = 0, columnOffset: Int = 0,
                     diagnostics: inout [Diagnostic]) -> SpecNode? {
        let shift = Shift(line: lineOffset, column: columnOffset)
        if text.utf8.count > maximumBytes {
            diagnostics.append(Diagnostic("the pipeline is \(text.utf8.count) bytes long; regime reads pipelines of at most \(maximumBytes >> 20) MiB",
                                          at: nil))
            return nil
        }
        // The YAML library composes recursively: refuse what is nested too deep
        // for it before it sees it (a cheap bound from the text), then compose
        // on a thread with a stack that fits that bound with room to spare.
        if let (bound, line) = nestingBound(text), bound > 16 * maximumDepth {
            diagnostics.append(Diagnostic("mappings and lists nest deeper than \(maximumDepth) levels",
                                          at: SourceLocation(source: source, line: line + shift.line, column: 1)))
            return nil
        }
        let node: Node?
        do {
            node = try onLargeStack { try Yams.compose(yaml: text) }
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
        var budget = Budget()
        let converted = convert(node, source, shift, depth: 1, &budget, &diagnostics)
        return budget.exceeded ? nil : converted
    }

    /// What converting may still spend, and whether it ran out.
    struct Budget {
        var nodes = 0
        var exceeded = false
    }

    /// An upper bound on the nesting depth of the text and the line where it is
    /// reached (nil for an empty text): each nesting level takes a column of
    /// indentation, a `- ` or `? ` indicator, or an open bracket.
    static func nestingBound(_ text: String) -> (bound: Int, line: Int)? {
        var best: (bound: Int, line: Int)?
        var flow = 0
        var lineNumber = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let bytes = Array(line.utf8)
            var index = 0
            while index < bytes.count, bytes[index] == 0x20 { index += 1 }
            var bound = index
            var quote: UInt8?
            var previous: UInt8 = 0x20
            var deepest = flow
            while index < bytes.count {
                let byte = bytes[index]
                if let open = quote {
                    if byte == open { quote = nil }
                } else {
                    switch byte {
                    case 0x22, 0x27: quote = byte
                    case 0x23 where previous == 0x20 || previous == 0x09: index = bytes.count; continue
                    case 0x5B, 0x7B: flow += 1; deepest = max(deepest, flow)
                    case 0x5D, 0x7D: flow = max(0, flow - 1)
                    case 0x2D, 0x3F:
                        if previous == 0x20 || index == 0, index + 1 >= bytes.count || bytes[index + 1] == 0x20 { bound += 1 }
                    default: break
                    }
                }
                previous = byte
                index += 1
            }
            bound += deepest
            if bound > (best?.bound ?? -1) { best = (bound, lineNumber) }
        }
        return best
    }

    /// Runs `body` on a thread of its own with a 64 MiB stack and waits for it.
    static func onLargeStack<R>(_ body: @escaping @Sendable () throws -> R) throws -> R {
        let box = Locked<Result<R, any Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            let result = Result { try body() }
            box.withLock { $0 = result }
            done.signal()
        }
        thread.stackSize = 64 << 20
        thread.start()
        done.wait()
        guard let result = box.withLock({ $0 }) else { preconditionFailure("the YAML thread ended without a result") }
        return try result.get()
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

    private static func convert(_ node: Node, _ source: SourceText, _ shift: Shift, depth: Int, _ budget: inout Budget,
                                _ diagnostics: inout [Diagnostic]) -> SpecNode {
        let empty = SpecNode.scalar(.init(text: "", quoted: false, location: location(node.mark, source, shift)))
        if budget.exceeded { return empty }
        budget.nodes += 1
        if budget.nodes > maximumNodes {
            budget.exceeded = true
            diagnostics.append(Diagnostic("the pipeline expands to more than \(maximumNodes) values (aliases repeat what they name each time they are used)",
                                          at: location(node.mark, source, shift)))
            return empty
        }
        if depth > maximumDepth, node.scalar == nil {
            budget.exceeded = true
            diagnostics.append(Diagnostic("mappings and lists nest deeper than \(maximumDepth) levels", at: location(node.mark, source, shift)))
            return empty
        }
        switch node {
        case .scalar(let scalar):
            return .scalar(convertScalar(scalar, source, shift))
        case .sequence(let sequence):
            return .list(.init(items: sequence.map { convert($0, source, shift, depth: depth + 1, &budget, &diagnostics) },
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
                entries.append((key, convert(valueNode, source, shift, depth: depth + 1, &budget, &diagnostics)))
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
