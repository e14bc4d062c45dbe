/// A stage's validated parameters, read as typed values: what every op's
/// `Parameters` is decoded through, once, from the tree the schema checked and
/// filled with defaults.
///
/// After validation, every key with a default has a value of its type; a key
/// an op reads that is missing or of another type means the op's schema and
/// its decoding disagree — a bug in regime, reported as `ParameterError` (and
/// by `regime check`, which decodes every stage), never a trap.
public struct ParameterReader: Sendable {
    public let values: ValueMap

    public init(_ values: ValueMap) {
        self.values = values
    }

    public func has(_ key: String) -> Bool { values[path: key] != nil }

    public func number(_ key: String) throws(ParameterError) -> Double {
        guard let value = try optionalNumber(key) else { throw missing(key) }
        return value
    }

    public func optionalNumber(_ key: String) throws(ParameterError) -> Double? {
        guard let value = values[path: key] else { return nil }
        guard let number = value.number else { throw wrongType(key, value, "a number") }
        return number
    }

    public func integer(_ key: String) throws(ParameterError) -> Int {
        guard let value = try optionalInteger(key) else { throw missing(key) }
        return value
    }

    public func optionalInteger(_ key: String) throws(ParameterError) -> Int? {
        guard let value = values[path: key] else { return nil }
        guard let integer = value.integer else { throw wrongType(key, value, "an integer") }
        return integer
    }

    public func bool(_ key: String) throws(ParameterError) -> Bool {
        guard let value = values[path: key] else { throw missing(key) }
        guard let flag = value.bool else { throw wrongType(key, value, "true or false") }
        return flag
    }

    public func string(_ key: String) throws(ParameterError) -> String {
        guard let value = try optionalString(key) else { throw missing(key) }
        return value
    }

    public func optionalString(_ key: String) throws(ParameterError) -> String? {
        guard let value = values[path: key] else { return nil }
        guard let text = value.string else { throw wrongType(key, value, "a string") }
        return text
    }

    /// A list whose every item `item` reads, or nil when the key has no value.
    private func optionalList<T>(_ key: String, _ what: String, _ item: (Value) -> T?) throws(ParameterError) -> [T]? {
        guard let value = values[path: key] else { return nil }
        guard let items = value.list else { throw wrongType(key, value, "a list") }
        var result: [T] = []
        for element in items {
            guard let read = item(element) else { throw wrongType(key, value, what) }
            result.append(read)
        }
        return result
    }

    public func optionalStrings(_ key: String) throws(ParameterError) -> [String]? {
        try optionalList(key, "a list of strings") { $0.string }
    }

    public func optionalNumbers(_ key: String) throws(ParameterError) -> [Double]? {
        try optionalList(key, "a list of numbers") { $0.number }
    }

    public func optionalIntegers(_ key: String) throws(ParameterError) -> [Int]? {
        guard let numbers = try optionalNumbers(key) else { return nil }
        guard numbers.allSatisfy({ $0 == $0.rounded() && abs($0) < 0x1p53 }) else {
            throw wrongType(key, values[path: key]!, "a list of integers")
        }
        return numbers.map { Int($0) }
    }

    public func strings(_ key: String) throws(ParameterError) -> [String] {
        guard let value = try optionalStrings(key) else { throw missing(key) }
        return value
    }

    /// A word of a choice, as the enum whose cases the schema offers.
    public func choice<C: RawRepresentable & CaseIterable>(_ key: String, as type: C.Type) throws(ParameterError) -> C
    where C.RawValue == String {
        let text = try string(key)
        guard let choice = C(rawValue: text) else {
            throw ParameterError(key: key, message: "'\(text)' is not one of \(C.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return choice
    }

    /// Several words of a choice.
    public func choices<C: RawRepresentable & CaseIterable>(_ key: String, as type: C.Type) throws(ParameterError) -> [C]
    where C.RawValue == String {
        var result: [C] = []
        for text in try strings(key) {
            guard let choice = C(rawValue: text) else {
                throw ParameterError(key: key, message: "'\(text)' is not one of \(C.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            result.append(choice)
        }
        return result
    }

    private func missing(_ key: String) -> ParameterError {
        ParameterError(key: key, message: "has no value (its schema gives no default)")
    }

    private func wrongType(_ key: String, _ value: Value, _ expected: String) -> ParameterError {
        ParameterError(key: key, message: "holds \(value.canonical), not \(expected)")
    }
}

/// An op's decoding and its schema disagree: a bug in regime, not in the pipeline.
public struct ParameterError: Error, CustomStringConvertible, Sendable {
    public var key: String
    public var message: String

    public init(key: String, message: String) {
        self.key = key
        self.message = message
    }

    public var description: String { "'\(key)' \(message)" }
}

extension ValueType {
    /// The words of an enum's cases: an op's choices come from the types that
    /// implement them, so the two cannot drift apart.
    public static func choice<C: RawRepresentable & CaseIterable>(of type: C.Type) -> ValueType where C.RawValue == String {
        .choice(C.allCases.map(\.rawValue))
    }
}
