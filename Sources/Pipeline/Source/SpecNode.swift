/// A YAML node with where it came from: the tree every validation pass reads,
/// so that each problem points at its own line and column.
public indirect enum SpecNode: Sendable {
    case scalar(Scalar)
    case list(List)
    case map(Map)

    public struct Scalar: Sendable {
        public var text: String
        /// Quoted scalars are strings, never numbers, booleans or null.
        public var quoted: Bool
        public var location: SourceLocation

        public init(text: String, quoted: Bool, location: SourceLocation) {
            self.text = text
            self.quoted = quoted
            self.location = location
        }

        /// A plain `~`, `null` or empty scalar.
        public var isNull: Bool { !quoted && ["", "~", "null", "Null", "NULL"].contains(text) }
    }

    public struct List: Sendable {
        public var items: [SpecNode]
        public var location: SourceLocation
    }

    public struct Map: Sendable {
        public var entries: [(key: Scalar, value: SpecNode)]
        public var location: SourceLocation

        /// The value of a key (the first, if duplicated).
        public subscript(key: String) -> SpecNode? {
            entries.first { $0.key.text == key }?.value
        }

        /// The key scalar of a key.
        public func keyNode(_ key: String) -> Scalar? {
            entries.first { $0.key.text == key }?.key
        }
    }

    public var location: SourceLocation {
        switch self {
        case .scalar(let scalar): return scalar.location
        case .list(let list): return list.location
        case .map(let map): return map.location
        }
    }

    /// What the node is, for messages: "a mapping", "a list", "'abc'".
    public var kindDescription: String {
        switch self {
        case .scalar(let scalar): return scalar.isNull ? "nothing" : "'\(scalar.text)'"
        case .list: return "a list"
        case .map: return "a mapping"
        }
    }
}
