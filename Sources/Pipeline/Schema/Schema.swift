import enum Base.Suggestion
/// The keys of a mapping — an op's parameters, or a nested record such as
/// `optimizer` — with their types, defaults and documentation.
public struct Schema: Sendable {
    public var keys: [KeySpec]
    /// Checks that involve several keys (`init_scale` > 0 unless `model:
    /// linear`), each with the keys it reads: they hold for the values written
    /// outside a sweep and at every swept point (`SweepPointCheck`).
    public var rules: [Rule]
    /// Names other tools use for a key (`lambda` → `l2`), suggested when a
    /// pipeline uses them.
    public var aliases: [String: String]

    public init(_ keys: [KeySpec], aliases: [String: String] = [:], rules: [Rule] = []) {
        self.keys = keys
        self.aliases = aliases
        self.rules = rules
    }

    /// A check across keys: the key paths it reads, and what is wrong with
    /// resolved values as (key path, message) pairs.
    public struct Rule: Sendable {
        public var reads: [String]
        public var check: @Sendable (ValueMap) -> [(key: String, message: String)]

        public init(reads: [String], check: @escaping @Sendable (ValueMap) -> [(key: String, message: String)]) {
            self.reads = reads
            self.check = check
        }
    }

    /// The key a misspelled or foreign name most likely means.
    public func suggestion(for name: String, among extra: [String] = []) -> String? {
        if let alias = aliases[name.lowercased()] { return alias }
        // A key that lives one level down (`steps` for `optimizer.steps`).
        for spec in keys {
            if case .record(let inner) = spec.type, inner.key(name) != nil { return spec.name + "." + name }
        }
        return Suggestion.closest(to: name, among: keys.map(\.name) + extra)
    }

    public func key(_ name: String) -> KeySpec? { keys.first { $0.name == name } }

    /// The spec of a dotted key path (`optimizer.lr`), through nested records.
    public func key(path: String) -> KeySpec? {
        let parts = path.split(separator: ".", maxSplits: 1).map(String.init)
        guard let spec = key(parts[0]) else { return nil }
        if parts.count == 1 { return spec }
        guard case .record(let inner) = spec.type else { return nil }
        return inner.key(path: parts[1])
    }

    /// Every key path a sweep may name: sweepable keys, and sweepable keys of
    /// nested records as dotted paths.
    public var sweepablePaths: [String] {
        keys.flatMap { spec -> [String] in
            if case .record(let inner) = spec.type {
                return inner.sweepablePaths.map { spec.name + "." + $0 }
            }
            return spec.sweepable ? [spec.name] : []
        }
    }

    /// The dotted paths of the keys that name files of `role`, nested records included.
    public func filePaths(_ role: FileRole) -> [String] {
        keys.flatMap { spec -> [String] in
            switch spec.type {
            case .record(let inner): return inner.filePaths(role).map { spec.name + "." + $0 }
            case .file(let kind) where kind == role: return [spec.name]
            case .list(.file(let kind), _) where kind == role: return [spec.name]
            default: return []
            }
        }
    }

    /// Validates a mapping against the keys: unknown keys (with did-you-mean),
    /// missing required keys, wrong types; fills in defaults. Returns nil when
    /// something was wrong (every problem is appended).
    /// Required keys named in `swept` may be missing: the sweep gives them.
    func coerce(_ map: SpecNode.Map, what: String, context: ValidationContext,
                diagnostics: inout [Diagnostic], ignoring: Set<String> = [], swept: Set<String> = []) -> ValueMap? {
        var result = ValueMap()
        var ok = true
        let names = keys.map(\.name)
        for (key, _) in map.entries where !ignoring.contains(key.text) && self.key(key.text) == nil {
            let hint = suggestion(for: key.text, among: names).map { "did you mean '\($0)'?" }
            diagnostics.append(Diagnostic("unknown key '\(key.text)' in \(what)", at: key.location, hint: hint))
            ok = false
        }
        for spec in keys {
            if let node = map[spec.name] {
                if case .scalar(let scalar) = node, scalar.isNull, !spec.isRequired {
                    if let value = spec.defaultValue { result[spec.name] = value }
                    continue
                }
                if let value = spec.type.coerce(node, what: "'\(spec.name)' in \(what)", context: context, diagnostics: &diagnostics) {
                    result[spec.name] = value
                } else {
                    ok = false
                }
            } else if spec.isRequired, !swept.contains(spec.name) {
                diagnostics.append(Diagnostic("missing required key '\(spec.name)' in \(what)", at: map.location))
                ok = false
            } else if let value = spec.defaultValue {
                result[spec.name] = value
            } else if case .record(let inner) = spec.type, !inner.keys.contains(where: \.isRequired) {
                // An absent record still gets its defaults (unless it needs keys of its own).
                let empty = SpecNode.Map(entries: [], location: map.location)
                if let value = inner.coerce(empty, what: "'\(spec.name)' in \(what)", context: context, diagnostics: &diagnostics),
                   !value.entries.isEmpty {
                    result[spec.name] = .map(value)
                }
            }
        }
        if ok {
            for problem in rules.flatMap({ $0.check(result) }) {
                let node = map.node(path: problem.key)
                diagnostics.append(Diagnostic("\(problem.message) (in \(what))", at: node?.location ?? map.location))
                ok = false
            }
        }
        return ok ? result : nil
    }
}

/// One key of a schema.
public struct KeySpec: Sendable {
    public enum Requirement: Sendable {
        case required
        case optional
        case defaulted(Value)
    }

    public var name: String
    public var type: ValueType
    public var requirement: Requirement
    /// Whether a `sweep:` may vary it.
    public var sweepable: Bool
    /// One line for the pipeline reference.
    public var doc: String

    public init(_ name: String, _ type: ValueType, _ requirement: Requirement = .optional,
                sweepable: Bool = true, doc: String) {
        self.name = name
        self.type = type
        self.requirement = requirement
        self.sweepable = sweepable
        self.doc = doc
    }

    public var isRequired: Bool { if case .required = requirement { return true } else { return false } }
    public var defaultValue: Value? { if case .defaulted(let value) = requirement { return value } else { return nil } }
}

extension SpecNode.Map {
    /// The node at a dotted key path, for pointing at a key a cross-key check names.
    func node(path: String) -> SpecNode? {
        let parts = path.split(separator: ".", maxSplits: 1).map(String.init)
        guard let node = self[parts[0]] else { return nil }
        if parts.count == 1 { return node }
        if case .map(let inner) = node { return inner.node(path: parts[1]) }
        return node
    }
}

/// What every coercion needs to know about where the pipeline lives.
public struct ValidationContext: Sendable {
    /// The pipeline file's directory (paths are relative to it); nil skips file checks.
    public var baseDirectory: String?

    public init(baseDirectory: String?) {
        self.baseDirectory = baseDirectory
    }
}
