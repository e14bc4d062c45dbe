import enum Base.Suggestion
import Foundation

/// The type of a pipeline key: how a YAML node becomes a `Value`, and what is
/// out of range.
public indirect enum ValueType: Sendable {
    /// A whole number in `min...max` (either bound optional). `1e6` counts.
    case integer(min: Int? = nil, max: Int? = nil)
    /// A finite number within the bounds.
    case number(NumberBounds = NumberBounds())
    case boolean
    case string
    /// One of the given words.
    case choice([String])
    /// A file path, relative to the pipeline file. An input file must exist
    /// before anything runs, and its content (not only its name) enters the
    /// content key of the instance reading it; an output file is written.
    case file(FileRole)
    /// A list of values of one type, at least `minCount` long.
    case list(ValueType, minCount: Int = 0)
    /// A nested mapping with its own keys.
    case record(Schema)
    /// The first alternative that accepts the node; `description` names them all.
    case either([ValueType], description: String)

    /// What a value of this type is, for messages: "an integer ≥ 1".
    public var description: String {
        switch self {
        case .integer(let min, let max):
            switch (min, max) {
            case let (lo?, hi?): return "an integer from \(lo) to \(hi)"
            case let (lo?, nil): return "an integer ≥ \(lo)"
            case let (nil, hi?): return "an integer ≤ \(hi)"
            default: return "an integer"
            }
        case .number(let bounds): return "a number" + bounds.description
        case .boolean: return "true or false"
        case .string: return "a string"
        case .choice(let words): return "one of " + words.joined(separator: ", ")
        case .file: return "a file path"
        case .list(let element, _): return "a list of " + element.plural
        case .record: return "a mapping"
        case .either(_, let description): return description
        }
    }

    var plural: String {
        switch self {
        case .integer: return "integers"
        case .number: return "numbers"
        case .boolean: return "booleans"
        case .string: return "strings"
        case .choice(let words): return "words (" + words.joined(separator: ", ") + ")"
        case .file: return "file paths"
        case .list: return "lists"
        case .record: return "mappings"
        case .either(_, let description): return description
        }
    }
}

/// What a pipeline does with a file it names.
public enum FileRole: Sendable, Equatable {
    /// Read: data, a test set.
    case input
    /// Written: results, an export, a plot.
    case output
}

/// Bounds on a number, each inclusive or exclusive.
public struct NumberBounds: Sendable {
    public var min: Double?
    public var minInclusive: Bool
    public var max: Double?
    public var maxInclusive: Bool

    public init(min: Double? = nil, minInclusive: Bool = true, max: Double? = nil, maxInclusive: Bool = true) {
        self.min = min
        self.minInclusive = minInclusive
        self.max = max
        self.maxInclusive = maxInclusive
    }

    public static let nonNegative = NumberBounds(min: 0)
    public static let positive = NumberBounds(min: 0, minInclusive: false)

    func contains(_ x: Double) -> Bool {
        if let min, minInclusive ? x < min : x <= min { return false }
        if let max, maxInclusive ? x > max : x >= max { return false }
        return true
    }

    var description: String {
        func f(_ x: Double) -> String { Value.format(x) }
        switch (min, max) {
        case let (lo?, hi?):
            return " in \(minInclusive ? "[" : "(")\(f(lo)), \(f(hi))\(maxInclusive ? "]" : ")")"
        case let (lo?, nil): return minInclusive ? " ≥ \(f(lo))" : " > \(f(lo))"
        case let (nil, hi?): return maxInclusive ? " ≤ \(f(hi))" : " < \(f(hi))"
        default: return ""
        }
    }
}

extension ValueType {
    /// Converts a node to a value of this type, or returns nil and appends a
    /// diagnostic naming `what` (e.g. "n in stage 'data'").
    func coerce(_ node: SpecNode, what: String, context: ValidationContext, diagnostics: inout [Diagnostic]) -> Value? {
        func fail(_ message: String) -> Value? {
            diagnostics.append(Diagnostic(message, at: node.location))
            return nil
        }
        func wrongType() -> Value? {
            fail("\(what) must be \(description), not \(node.kindDescription)")
        }
        switch self {
        case .integer(let min, let max):
            guard case .scalar(let scalar) = node, let number = ValueType.parseNumber(scalar) else { return wrongType() }
            guard number.rounded() == number, abs(number) < 9.0e15 else {
                return fail("\(what) must be a whole number (got \(scalar.text))")
            }
            let value = Int(number)
            if let min, value < min { return fail("\(what) must be at least \(min) (got \(scalar.text))") }
            if let max, value > max { return fail("\(what) must be at most \(max) (got \(scalar.text))") }
            return .number(number)
        case .number(let bounds):
            guard case .scalar(let scalar) = node, let number = ValueType.parseNumber(scalar) else { return wrongType() }
            guard number.isFinite else { return fail("\(what) must be finite (got \(scalar.text))") }
            guard bounds.contains(number) else {
                return fail("\(what) must be a number\(bounds.description) (got \(scalar.text))")
            }
            return .number(number)
        case .boolean:
            guard case .scalar(let scalar) = node, !scalar.quoted else { return wrongType() }
            switch scalar.text.lowercased() {
            case "true", "yes", "on": return .bool(true)
            case "false", "no", "off": return .bool(false)
            default: return wrongType()
            }
        case .string:
            guard case .scalar(let scalar) = node, !scalar.isNull else { return wrongType() }
            return .string(scalar.text)
        case .choice(let words):
            guard case .scalar(let scalar) = node, !scalar.isNull else { return wrongType() }
            guard words.contains(scalar.text) else {
                let hint = Suggestion.closest(to: scalar.text, among: words).map { "did you mean '\($0)'?" }
                diagnostics.append(Diagnostic("\(what) must be one of \(words.joined(separator: ", ")), not '\(scalar.text)'",
                                              at: node.location, hint: hint))
                return nil
            }
            return .string(scalar.text)
        case .file(let role):
            guard case .scalar(let scalar) = node, !scalar.isNull else { return wrongType() }
            if role == .input, let directory = context.baseDirectory {
                let resolved = scalar.text.hasPrefix("/") ? scalar.text : directory + "/" + scalar.text
                var isDirectory: ObjCBool = false
                if !FileManager.default.fileExists(atPath: resolved, isDirectory: &isDirectory) {
                    return fail("\(what): no such file '\(scalar.text)' (looked for \(resolved))")
                }
                if isDirectory.boolValue { return fail("\(what): '\(scalar.text)' is a directory, not a file") }
            }
            return .string(scalar.text)
        case .list(let element, let minCount):
            let items: [SpecNode]
            if case .list(let list) = node {
                items = list.items
            } else if case .scalar(let scalar) = node, !scalar.isNull {
                items = [node]  // a single value stands for a list of one
                _ = scalar
            } else {
                return wrongType()
            }
            if items.count < minCount {
                return fail("\(what) needs at least \(minCount) entr\(minCount == 1 ? "y" : "ies") (got \(items.count))")
            }
            var values: [Value] = []
            var ok = true
            for item in items {
                if let value = element.coerce(item, what: "an entry of " + what, context: context, diagnostics: &diagnostics) {
                    values.append(value)
                } else {
                    ok = false
                }
            }
            return ok ? .list(values) : nil
        case .record(let schema):
            guard case .map(let map) = node else { return wrongType() }
            return schema.coerce(map, what: what, context: context, diagnostics: &diagnostics).map(Value.map)
        case .either(let alternatives, let description):
            for alternative in alternatives {
                var scratch: [Diagnostic] = []
                if let value = alternative.coerce(node, what: what, context: context, diagnostics: &scratch) {
                    return value
                }
            }
            return fail("\(what) must be \(description), not \(node.kindDescription)")
        }
    }

    /// A plain (or quoted) scalar read as a number: decimal, with optional
    /// exponent (`1e-4` counts even though YAML 1.1 would call it a string).
    static func parseNumber(_ scalar: SpecNode.Scalar) -> Double? {
        let text = scalar.text.trimmingCharacters(in: .whitespaces)
        guard !text.isEmpty, text.allSatisfy({ "0123456789+-.eE".contains($0) }) else { return nil }
        return Double(text)
    }
}
