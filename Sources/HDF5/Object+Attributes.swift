import CHDF5

/// The value of an attribute, as regime reads it back.
public enum AttributeValue: Sendable, Equatable, CustomStringConvertible {
    case string(String)
    case strings([String])
    case number(Double)
    case numbers([Double])
    case integer(Int64)
    case integers([Int64])

    /// The value as text, when it is a string.
    public var stringValue: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    /// The value as one Float64, when it is a single number.
    public var doubleValue: Double? {
        switch self {
        case .number(let value): return value
        case .integer(let value): return Double(value)
        default: return nil
        }
    }

    public var description: String {
        switch self {
        case .string(let text): return text
        case .strings(let texts): return "[" + texts.joined(separator: ", ") + "]"
        case .number(let value): return "\(value)"
        case .numbers(let values): return "[" + values.map { "\($0)" }.joined(separator: ", ") + "]"
        case .integer(let value): return "\(value)"
        case .integers(let values): return "[" + values.map { "\($0)" }.joined(separator: ", ") + "]"
        }
    }
}

extension Object {
    /// Sets a scalar variable-length UTF-8 string attribute, replacing any old one.
    public func setAttribute(_ name: String, _ value: String) throws {
        let context = attributeContext(name)
        let type = try Handle.variableUTF8String(context)
        let space = try Handle.scalarDataspace(context)
        let attribute = try createAttribute(name, type: type, space: space, context)
        _ = try StringIO.withCStrings([value]) { pointers in
            try Library.call("H5Awrite", context) { H5Awrite(attribute.id, type.id, pointers) }
        }
    }

    /// Sets a 1-D attribute of variable-length UTF-8 strings.
    public func setAttribute(_ name: String, _ values: [String]) throws {
        let context = attributeContext(name)
        let type = try Handle.variableUTF8String(context)
        let space = try Handle.dataspace(shape: [values.count], context)
        let attribute = try createAttribute(name, type: type, space: space, context)
        if values.isEmpty { return }
        _ = try StringIO.withCStrings(values) { pointers in
            try Library.call("H5Awrite", context) { H5Awrite(attribute.id, type.id, pointers) }
        }
    }

    /// Sets a scalar numeric attribute.
    public func setAttribute<T: StorableElement>(_ name: String, _ value: T) throws {
        try writeNumericAttribute(name, [value], shape: nil)
    }

    /// Sets a 1-D numeric attribute.
    public func setAttribute<T: StorableElement>(_ name: String, _ values: [T]) throws {
        try writeNumericAttribute(name, values, shape: [values.count])
    }

    /// Whether an attribute of this name exists.
    public func hasAttribute(_ name: String) throws -> Bool {
        try Library.call("H5Aexists", attributeContext(name)) { H5Aexists(self.id, name) } > 0
    }

    /// Deletes an attribute.
    public func removeAttribute(_ name: String) throws {
        try Library.call("H5Adelete", attributeContext(name)) { H5Adelete(self.id, name) }
    }

    /// The attribute names, in creation order where the object tracks it (regime's
    /// files do), otherwise in name order.
    public func attributeNames() throws -> [String] {
        final class Names { var list: [String] = [] }
        func collect(_ index: H5_index_t) throws -> [String] {
            let names = Names()
            let unmanaged = Unmanaged.passRetained(names)
            defer { unmanaged.release() }
            var position: hsize_t = 0
            try Library.call("H5Aiterate2", context) {
                H5Aiterate2(self.id, index, H5_ITER_INC, &position, { _, name, _, client in
                    guard let name, let client else { return 0 }
                    Unmanaged<Names>.fromOpaque(client).takeUnretainedValue().list.append(String(cString: name))
                    return 0
                }, unmanaged.toOpaque())
            }
            return names.list
        }
        // Objects without a creation-order index fail the first call; name order is the fallback.
        if let ordered = try? collect(H5_INDEX_CRT_ORDER) { return ordered }
        return try collect(H5_INDEX_NAME)
    }

    /// Reads an attribute: strings as text, integers as Int64, floats as Double;
    /// scalars and 1-element-or-more arrays are told apart by the dataspace.
    public func attribute(_ name: String) throws -> AttributeValue {
        let context = attributeContext(name)
        guard try hasAttribute(name) else {
            throw HDF5Error(file: filePath, object: context.object, function: "read attribute", message: "no such attribute")
        }
        let attribute = Handle(try Library.call("H5Aopen", context) { H5Aopen(self.id, name, regime_H5P_DEFAULT()) }, .attribute)
        let type = Handle(try Library.call("H5Aget_type", context) { H5Aget_type(attribute.id) }, .datatype)
        let space = Handle(try Library.call("H5Aget_space", context) { H5Aget_space(attribute.id) }, .dataspace)
        let isScalar = try Library.call("H5Sget_simple_extent_type", context) {
            H5Sget_simple_extent_type(space.id).rawValue
        } == H5S_SCALAR.rawValue
        let count = try Library.call("H5Sget_simple_extent_npoints", context) { H5Sget_simple_extent_npoints(space.id) }
        let stored = try StoredType.of(type.id, context)
        switch stored {
        case .string:
            let texts = try StringIO.read(count: Int(count), fileType: type, space: space, function: "H5Aread", context) {
                memoryType, buffer in H5Aread(attribute.id, memoryType, buffer)
            }
            return isScalar ? .string(texts.first ?? "") : .strings(texts)
        case .integer, .bool:
            let memoryType = try ElementKind.int64.memoryType(context)
            var values = [Int64](repeating: 0, count: Int(count))
            if stored == .bool {
                let boolType = try ElementKind.bool.memoryType(context)
                var flags = [Bool](repeating: false, count: Int(count))
                try Library.call("H5Aread", context) { H5Aread(attribute.id, boolType.id, &flags) }
                values = flags.map { $0 ? 1 : 0 }
            } else {
                try Library.call("H5Aread", context) { H5Aread(attribute.id, memoryType.id, &values) }
            }
            return isScalar ? .integer(values.first ?? 0) : .integers(values)
        case .float:
            let memoryType = try ElementKind.float64.memoryType(context)
            var values = [Double](repeating: 0, count: Int(count))
            try Library.call("H5Aread", context) { H5Aread(attribute.id, memoryType.id, &values) }
            return isScalar ? .number(values.first ?? 0) : .numbers(values)
        case .other(let kind):
            throw context.error("read attribute", "holds \(kind) data, which regime does not read")
        }
    }

    private func writeNumericAttribute<T: StorableElement>(_ name: String, _ values: [T], shape: [Int]?) throws {
        let context = attributeContext(name)
        let type = try T.elementKind.memoryType(context)
        let space = try shape.map { try Handle.dataspace(shape: $0, context) } ?? Handle.scalarDataspace(context)
        let attribute = try createAttribute(name, type: type, space: space, context)
        if values.isEmpty { return }
        _ = try values.withUnsafeBufferPointer { buffer in
            try Library.call("H5Awrite", context) { H5Awrite(attribute.id, type.id, buffer.baseAddress) }
        }
    }

    private func createAttribute(_ name: String, type: borrowing Handle, space: borrowing Handle,
                                 _ context: ErrorContext) throws -> Handle {
        if try hasAttribute(name) { try removeAttribute(name) }
        return Handle(try Library.call("H5Acreate2", context) {
            H5Acreate2(self.id, name, type.id, space.id, regime_H5P_DEFAULT(), regime_H5P_DEFAULT())
        }, .attribute)
    }

    private func attributeContext(_ name: String) -> ErrorContext {
        ErrorContext(file: filePath, object: "\(path)@\(name)")
    }
}
