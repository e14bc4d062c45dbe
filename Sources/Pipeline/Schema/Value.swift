/// A resolved parameter value: what a stage instance runs with, what its
/// content key hashes, and what the results file records.
public indirect enum Value: Hashable, Sendable, CustomStringConvertible {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case list([Value])
    case map(ValueMap)

    public var number: Double? { if case .number(let x) = self { return x } else { return nil } }
    public var string: String? { if case .string(let s) = self { return s } else { return nil } }
    public var bool: Bool? { if case .bool(let b) = self { return b } else { return nil } }
    public var list: [Value]? { if case .list(let l) = self { return l } else { return nil } }
    public var map: ValueMap? { if case .map(let m) = self { return m } else { return nil } }
    public var integer: Int? {
        guard let x = number, x.rounded() == x, abs(x) < 9.0e15 else { return nil }
        return Int(x)
    }

    /// Canonical text: JSON with map keys sorted and numbers in their shortest
    /// round-trip form (integers without a decimal point). Equal values have equal
    /// text; content keys hash this.
    public var canonical: String {
        switch self {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .number(let x): return Value.format(x)
        case .string(let s): return Value.quote(s)
        case .list(let items): return "[" + items.map(\.canonical).joined(separator: ",") + "]"
        case .map(let map):
            return "{" + map.entries.sorted { $0.key < $1.key }
                .map { Value.quote($0.key) + ":" + $0.value.canonical }.joined(separator: ",") + "}"
        }
    }

    /// Display text: numbers as in `canonical`, strings bare, maps in order.
    public var description: String {
        switch self {
        case .string(let s): return s
        case .list(let items): return "[" + items.map(\.description).joined(separator: ", ") + "]"
        case .map(let map): return "{" + map.entries.map { "\($0.key): \($0.value)" }.joined(separator: ", ") + "}"
        default: return canonical
        }
    }

    static func format(_ x: Double) -> String {
        if x.isNaN { return "nan" }
        if x.isInfinite { return x > 0 ? "inf" : "-inf" }
        if x.rounded() == x, abs(x) < 1e15 { return String(Int64(x)) }
        return "\(x)"
    }

    static func quote(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 { out += String(format: "\\u%04x", scalar.value) } else { out.unicodeScalars.append(scalar) }
            }
        }
        return out + "\""
    }
}

/// An ordered mapping of keys to values (declaration order is kept for
/// display; canonical text sorts).
public struct ValueMap: Hashable, Sendable {
    public private(set) var entries: [(key: String, value: Value)]

    public init(_ entries: [(key: String, value: Value)] = []) {
        self.entries = entries
    }

    public subscript(key: String) -> Value? {
        get { entries.first { $0.key == key }?.value }
        set {
            if let index = entries.firstIndex(where: { $0.key == key }) {
                if let newValue { entries[index].value = newValue } else { entries.remove(at: index) }
            } else if let newValue {
                entries.append((key, newValue))
            }
        }
    }

    /// The value at a dotted path (`optimizer.lr`).
    public subscript(path path: String) -> Value? {
        get {
            let parts = path.split(separator: ".", maxSplits: 1).map(String.init)
            guard let head = self[parts[0]] else { return nil }
            if parts.count == 1 { return head }
            return head.map?[path: parts[1]]
        }
        set {
            let parts = path.split(separator: ".", maxSplits: 1).map(String.init)
            if parts.count == 1 {
                self[parts[0]] = newValue
            } else {
                var inner = self[parts[0]]?.map ?? ValueMap()
                inner[path: parts[1]] = newValue
                self[parts[0]] = .map(inner)
            }
        }
    }

    public var keys: [String] { entries.map(\.key) }

    public static func == (a: ValueMap, b: ValueMap) -> Bool {
        a.entries.count == b.entries.count && zip(a.entries, b.entries).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }

    public func hash(into hasher: inout Hasher) {
        for entry in entries {
            hasher.combine(entry.key)
            hasher.combine(entry.value)
        }
    }
}

import Foundation
