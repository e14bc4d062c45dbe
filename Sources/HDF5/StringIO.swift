import CHDF5
import Foundation

/// Reading and writing strings, shared by datasets and attributes.
enum StringIO {
    /// Calls `body` with an array of C string pointers for `values`, valid for the
    /// duration of the call (what H5Dwrite/H5Awrite of variable-length strings take).
    static func withCStrings<R>(_ values: [String], _ body: (UnsafeRawPointer) throws -> R) throws -> R {
        let pointers = values.map { strdup($0) }
        defer { pointers.forEach { free($0) } }
        return try pointers.withUnsafeBufferPointer { try body(UnsafeRawPointer($0.baseAddress!)) }
    }

    /// Reads `count` strings stored with `fileType`, variable- or fixed-length.
    /// `read` performs the H5Dread or H5Aread with the given memory type into the
    /// given buffer.
    static func read(count: Int, fileType: borrowing Handle, space: borrowing Handle, function: String,
                     _ context: ErrorContext,
                     _ read: (hid_t, UnsafeMutableRawPointer) -> herr_t) throws -> [String] {
        if count == 0 { return [] }
        let variable = try Library.call("H5Tis_variable_str", context) { H5Tis_variable_str(fileType.id) } > 0
        let cset = try Library.call("H5Tget_cset", context) { H5Tget_cset(fileType.id).rawValue }
        if variable {
            // Read into a C-string pointer per element, in the file's character set
            // (HDF5 does not convert between ASCII and UTF-8), then reclaim.
            let memoryType = try Handle.copyOfType(regime_H5T_C_S1(), context)
            try Library.call("H5Tset_size", context) { H5Tset_size(memoryType.id, regime_H5T_VARIABLE()) }
            try Library.call("H5Tset_cset", context) { H5Tset_cset(memoryType.id, H5T_cset_t(cset)) }
            var pointers = [UnsafeMutablePointer<CChar>?](repeating: nil, count: count)
            return try pointers.withUnsafeMutableBufferPointer { buffer in
                let raw = UnsafeMutableRawPointer(buffer.baseAddress!)
                try Library.call(function, context) { read(memoryType.id, raw) }
                defer {
                    Library.lock.lock()
                    _ = H5Dvlen_reclaim(memoryType.id, space.id, regime_H5P_DEFAULT(), raw)
                    Library.lock.unlock()
                }
                return buffer.map { $0.map { String(cString: $0) } ?? "" }
            }
        }
        // Fixed length: read the raw bytes, then strip the padding.
        let size = try Library.call("H5Tget_size", context) { Int(H5Tget_size(fileType.id)) }
        let padding = try Library.call("H5Tget_strpad", context) { H5Tget_strpad(fileType.id).rawValue }
        let memoryType = try Handle.copyOfType(fileType.id, context)
        var bytes = [UInt8](repeating: 0, count: try elementCount([count], elementSize: size, context) * size)
        try bytes.withUnsafeMutableBytes { buffer in
            _ = try Library.call(function, context) { read(memoryType.id, buffer.baseAddress!) }
        }
        return (0..<count).map { index in
            var field = bytes[(index * size)..<((index + 1) * size)]
            if H5T_str_t(padding) == H5T_STR_SPACEPAD {
                while field.last == 0x20 { field = field.dropLast() }
            } else if let end = field.firstIndex(of: 0) {
                field = field[..<end]
            }
            return String(decoding: field, as: UTF8.self)
        }
    }
}
