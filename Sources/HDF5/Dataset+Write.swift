import CHDF5

extension Dataset {
    /// Writes the whole dataset from `values` (row-major; exactly as many as the
    /// dataset's shape holds). HDF5 converts to the stored type.
    public func write<T: StorableElement>(_ values: [T]) throws {
        let count = try shape.reduce(1, *)
        guard values.count == count else {
            throw context.error("write", "\(values.count) values for a dataset of \(count) elements (shape \(try shape))")
        }
        if count == 0 { return }
        let memoryType = try T.elementKind.memoryType(context)
        _ = try values.withUnsafeBufferPointer { buffer in
            try Library.call("H5Dwrite", context) {
                H5Dwrite(self.id, memoryType.id, regime_H5S_ALL(), regime_H5S_ALL(), regime_H5P_DEFAULT(), buffer.baseAddress)
            }
        }
    }

    /// Writes whole rows starting at row `start` of the first axis, inside the
    /// current extent.
    public func writeRows<T: StorableElement>(_ values: [T], at start: Int) throws {
        let shape = try self.shape
        guard let first = shape.first else { throw context.error("write rows", "a scalar dataset has no rows") }
        let rowSize = shape.dropFirst().reduce(1, *)
        guard rowSize > 0, values.count % rowSize == 0 else {
            throw context.error("write rows", "\(values.count) values are not whole rows of \(rowSize)")
        }
        let rows = start..<(start + values.count / rowSize)
        guard start >= 0, rows.upperBound <= first else {
            throw context.error("write rows", "rows \(rows.lowerBound)..<\(rows.upperBound) are outside 0..<\(first)")
        }
        try writeSelection(values, rows: rows, shape: shape)
    }

    /// Appends whole rows to an extendible dataset (one created with
    /// `extendible: true`), growing its first axis.
    public func append<T: StorableElement>(_ values: [T]) throws {
        var shape = try self.shape
        guard !shape.isEmpty else { throw context.error("append", "a scalar dataset has no rows") }
        let rowSize = shape.dropFirst().reduce(1, *)
        guard rowSize > 0, values.count % rowSize == 0 else {
            throw context.error("append", "\(values.count) values are not whole rows of \(rowSize)")
        }
        guard try maxShape.first! == nil else {
            throw context.error("append", "the dataset is not extendible (its first axis is fixed)")
        }
        let start = shape[0]
        shape[0] += values.count / rowSize
        try setExtent(shape)
        try writeSelection(values, rows: start..<shape[0], shape: shape)
    }

    /// Appends strings to an extendible 1-D string dataset.
    public func append(strings values: [String]) throws {
        let start = try shape[0]
        try setExtent([start + values.count])
        let space = try space()
        try selectRows(space, rows: start..<(start + values.count), shape: [start + values.count])
        let memorySpace = try Handle.dataspace(shape: [values.count], context)
        let type = try Handle.variableUTF8String(context)
        _ = try StringIO.withCStrings(values) { pointers in
            try Library.call("H5Dwrite", context) {
                H5Dwrite(self.id, type.id, memorySpace.id, space.id, regime_H5P_DEFAULT(), pointers)
            }
        }
    }

    /// Writes the whole of a string dataset.
    func writeStrings(_ values: [String]) throws {
        let type = try Handle.variableUTF8String(context)
        if values.isEmpty { return }
        _ = try StringIO.withCStrings(values) { pointers in
            try Library.call("H5Dwrite", context) {
                H5Dwrite(self.id, type.id, regime_H5S_ALL(), regime_H5S_ALL(), regime_H5P_DEFAULT(), pointers)
            }
        }
    }

    /// Changes the extent (within the maximum shape).
    public func setExtent(_ shape: [Int]) throws {
        let dims = shape.map { hsize_t($0) }
        try Library.call("H5Dset_extent", context) { H5Dset_extent(self.id, dims) }
    }

    private func writeSelection<T: StorableElement>(_ values: [T], rows: Range<Int>, shape: [Int]) throws {
        if values.isEmpty { return }
        let fileSpace = try space()
        try selectRows(fileSpace, rows: rows, shape: shape)
        let memorySpace = try Handle.dataspace(shape: [rows.count] + shape.dropFirst(), context)
        let memoryType = try T.elementKind.memoryType(context)
        _ = try values.withUnsafeBufferPointer { buffer in
            try Library.call("H5Dwrite", context) {
                H5Dwrite(self.id, memoryType.id, memorySpace.id, fileSpace.id, regime_H5P_DEFAULT(), buffer.baseAddress)
            }
        }
    }
}
