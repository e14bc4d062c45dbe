import Base
import CHDF5
import Foundation

extension Dataset {
    /// Reads the whole dataset, row-major. Numeric data converts to the requested
    /// numeric type on the way (so any integer or float dataset reads as `Double`);
    /// strings and numbers never convert into each other.
    public func read<T: StorableElement>(as type: T.Type = T.self) throws -> [T] {
        try checkReadable(as: T.self)
        let count = try elementCount(try shape, elementSize: MemoryLayout<T>.stride, context)
        let memoryType = try T.elementKind.memoryType(context)
        return try [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            if count > 0 {
                ProcessMemory.adviseHugePages(UnsafeMutableRawPointer(buffer.baseAddress!), bytes: count * MemoryLayout<T>.stride)
                try Library.call("H5Dread", context) {
                    H5Dread(self.id, memoryType.id, regime_H5S_ALL(), regime_H5S_ALL(), regime_H5P_DEFAULT(), buffer.baseAddress)
                }
            }
            initialized = count
        }
    }

    /// Reads any numeric dataset as Float64.
    public func readDoubles() throws -> [Double] { try read(as: Double.self) }

    /// Reads the rows `rows` of the first axis (all of every other axis), row-major.
    public func readRows<T: StorableElement>(_ rows: Range<Int>, as type: T.Type = T.self) throws -> [T] {
        try checkReadable(as: T.self)
        let shape = try self.shape
        guard let first = shape.first else { throw context.error("read rows", "a scalar dataset has no rows") }
        guard rows.lowerBound >= 0, rows.upperBound <= first else {
            throw context.error("read rows", "rows \(rows.lowerBound)..<\(rows.upperBound) are outside 0..<\(first)")
        }
        let count = try elementCount([rows.count] + shape.dropFirst(), elementSize: MemoryLayout<T>.stride, context)
        if count == 0 { return [] }
        let fileSpace = try space()
        try selectRows(fileSpace, rows: rows, shape: shape)
        let memorySpace = try Handle.dataspace(shape: [rows.count] + shape.dropFirst(), context)
        let memoryType = try T.elementKind.memoryType(context)
        return try [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            try Library.call("H5Dread", context) {
                H5Dread(self.id, memoryType.id, memorySpace.id, fileSpace.id, regime_H5P_DEFAULT(), buffer.baseAddress)
            }
            initialized = count
        }
    }

    /// Reads a 1-D (or any-shaped, flattened) string dataset, variable- or
    /// fixed-length, as h5py writes both. Fixed-length strings lose their padding.
    public func readStrings() throws -> [String] {
        let type = try fileType()
        let stored = try StoredType.of(type.id, context)
        guard case .string = stored else {
            throw context.error("read strings", "holds \(stored), not strings")
        }
        let space = try space()
        let count = try elementCount(space.extent(context), elementSize: MemoryLayout<UnsafeRawPointer>.stride, context)
        return try StringIO.read(count: count, fileType: type, space: space, function: "H5Dread", context) { memoryType, buffer in
            H5Dread(self.id, memoryType, regime_H5S_ALL(), regime_H5S_ALL(), regime_H5P_DEFAULT(), buffer)
        }
    }

    /// Selects rows of the first axis in a file dataspace.
    func selectRows(_ space: borrowing Handle, rows: Range<Int>, shape: [Int]) throws {
        let start = [hsize_t(rows.lowerBound)] + shape.dropFirst().map { _ in hsize_t(0) }
        let count = [hsize_t(rows.count)] + shape.dropFirst().map { hsize_t($0) }
        try Library.call("H5Sselect_hyperslab", context) {
            H5Sselect_hyperslab(space.id, H5S_SELECT_SET, start, nil, count, nil)
        }
    }

    private func checkReadable<T: StorableElement>(as type: T.Type) throws {
        let stored = try storedType
        let wantsBool = T.elementKind == .bool
        if stored == .bool, wantsBool { return }
        if stored.isNumeric, !wantsBool { return }
        throw context.error("read", "holds \(stored) data, which does not read as \(T.self)")
    }
}

/// The number of elements of `shape`, each `elementSize` bytes in memory, checked
/// before anything is allocated: a file of a few bytes can declare a chunked
/// dataset it never wrote of any extent, and a product that overflows or needs
/// more than the machine's memory is an error here, not a trap or a failed allocation.
func elementCount(_ shape: [Int], elementSize: Int, _ context: ErrorContext) throws -> Int {
    var count = 1, overflow = false
    for extent in shape where !overflow { (count, overflow) = count.multipliedReportingOverflow(by: extent) }
    let bytes = count.multipliedReportingOverflow(by: max(elementSize, 1))
    guard !overflow, !bytes.overflow, UInt64(bytes.partialValue) <= ProcessInfo.processInfo.physicalMemory else {
        throw context.error("read", "shape \(shape) holds more data than this machine's memory")
    }
    return count
}
