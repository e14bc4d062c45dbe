import CHDF5

/// The numeric element types regime reads and writes.
public enum ElementKind: Sendable, Equatable {
    case float64, float32, int64, int32, uint8, bool
}

/// A Swift type that maps one-to-one onto an HDF5 numeric element type.
public protocol StorableElement: Sendable {
    static var elementKind: ElementKind { get }
}

extension Double: StorableElement { public static var elementKind: ElementKind { .float64 } }
extension Float: StorableElement { public static var elementKind: ElementKind { .float32 } }
extension Int64: StorableElement { public static var elementKind: ElementKind { .int64 } }
extension Int: StorableElement { public static var elementKind: ElementKind { .int64 } }
extension Int32: StorableElement { public static var elementKind: ElementKind { .int32 } }
extension UInt8: StorableElement { public static var elementKind: ElementKind { .uint8 } }
/// Stored as h5py stores NumPy's bool: an 8-bit enum with members FALSE = 0 and
/// TRUE = 1, so h5py reads it back as `bool`.
extension Bool: StorableElement { public static var elementKind: ElementKind { .bool } }

extension ElementKind {
    /// The in-memory HDF5 type of this element kind, owned by the returned handle.
    func memoryType(_ context: ErrorContext) throws -> Handle {
        switch self {
        case .float64: return try .copyOfType(regime_H5T_NATIVE_DOUBLE(), context)
        case .float32: return try .copyOfType(regime_H5T_NATIVE_FLOAT(), context)
        case .int64: return try .copyOfType(regime_H5T_NATIVE_INT64(), context)
        case .int32: return try .copyOfType(regime_H5T_NATIVE_INT32(), context)
        case .uint8: return try .copyOfType(regime_H5T_NATIVE_UINT8(), context)
        case .bool:
            let type = Handle(try Library.call("H5Tenum_create", context) {
                H5Tenum_create(regime_H5T_NATIVE_INT8())
            }, .datatype)
            for (name, value) in [("FALSE", Int8(0)), ("TRUE", Int8(1))] {
                var member = value
                try Library.call("H5Tenum_insert", context) { H5Tenum_insert(type.id, name, &member) }
            }
            return type
        }
    }
}

/// What a dataset or attribute holds in the file.
public enum StoredType: Sendable, Equatable, CustomStringConvertible {
    case float(bits: Int)
    case integer(bits: Int, signed: Bool)
    case bool
    case string(variableLength: Bool)
    case other(String)

    /// Whether HDF5 converts it to Float64 on reading: floats of up to 128
    /// bits and integers of up to 64. A damaged file can declare a number type
    /// of gigabytes per element, which libhdf5 would allocate to convert.
    public var isNumeric: Bool {
        switch self {
        case .float(let bits): return bits <= 128
        case .integer(let bits, _): return bits <= 64
        case .bool, .string, .other: return false
        }
    }

    public var description: String {
        switch self {
        case .float(let bits): return "float\(bits)"
        case .integer(let bits, let signed): return (signed ? "int" : "uint") + "\(bits)"
        case .bool: return "bool"
        case .string(let variable): return variable ? "variable-length string" : "fixed-length string"
        case .other(let name): return name
        }
    }

    /// Classifies an HDF5 datatype.
    static func of(_ type: hid_t, _ context: ErrorContext) throws -> StoredType {
        let cls = try Library.call("H5Tget_class", context) { H5Tget_class(type).rawValue }
        let size = try Library.call("H5Tget_size", context) { Int(H5Tget_size(type)) }
        switch H5T_class_t(cls) {
        case H5T_FLOAT: return .float(bits: size * 8)
        case H5T_INTEGER:
            let sign = try Library.call("H5Tget_sign", context) { H5Tget_sign(type).rawValue }
            return .integer(bits: size * 8, signed: H5T_sign_t(sign) == H5T_SGN_2)
        case H5T_STRING:
            let variable = try Library.call("H5Tis_variable_str", context) { H5Tis_variable_str(type) }
            return .string(variableLength: variable > 0)
        case H5T_ENUM:
            // h5py's bool: an enum with exactly the members FALSE and TRUE.
            let members = try Library.call("H5Tget_nmembers", context) { H5Tget_nmembers(type) }
            if members == 2, size == 1 { return .bool }
            return .other("enum")
        case H5T_COMPOUND: return .other("compound")
        case H5T_ARRAY: return .other("array")
        case H5T_VLEN: return .other("variable-length sequence")
        case H5T_REFERENCE: return .other("reference")
        case H5T_OPAQUE: return .other("opaque")
        case H5T_BITFIELD: return .other("bitfield")
        default: return .other("unknown type")
        }
    }
}
