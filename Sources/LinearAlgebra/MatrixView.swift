/// A rectangular block of a matrix, seen without copying: rows `rowRange` and
/// columns `columnRange` of a base matrix, passed to BLAS with the base's
/// leading dimension.
public struct MatrixView: Sendable {
    public let base: Matrix
    public let rowRange: Range<Int>
    public let columnRange: Range<Int>

    public init(_ base: Matrix, rows: Range<Int>? = nil, columns: Range<Int>? = nil) {
        let rowRange = rows ?? 0..<base.rows
        let columnRange = columns ?? 0..<base.columns
        precondition(rowRange.lowerBound >= 0 && rowRange.upperBound <= base.rows
                     && columnRange.lowerBound >= 0 && columnRange.upperBound <= base.columns,
                     "view outside the matrix")
        self.base = base
        self.rowRange = rowRange
        self.columnRange = columnRange
    }

    public subscript(row: Int, column: Int) -> Double {
        base[rowRange.lowerBound + row, columnRange.lowerBound + column]
    }

    /// The block as a matrix of its own (a copy).
    public var copy: Matrix {
        var values: [Double] = []
        values.reserveCapacity(rowRange.count * columnRange.count)
        for i in rowRange {
            let start = i * base.columns
            values.append(contentsOf: base.storage[(start + columnRange.lowerBound)..<(start + columnRange.upperBound)])
        }
        return Matrix(rows: rowRange.count, columns: columnRange.count, storage: values)
    }
}

extension Matrix {
    /// Rows `range`, without copying.
    public func rows(_ range: Range<Int>) -> MatrixView { MatrixView(self, rows: range) }
    /// Columns `range`, without copying.
    public func columns(_ range: Range<Int>) -> MatrixView { MatrixView(self, columns: range) }
}

/// Anything BLAS can read as a row-major matrix: a pointer to its first element,
/// its shape and its leading dimension (the distance between rows).
public protocol MatrixOperand {
    var operandRows: Int { get }
    var operandColumns: Int { get }
    func withOperand<R>(_ body: (UnsafePointer<Double>, _ leadingDimension: Int) throws -> R) rethrows -> R
}

extension Matrix: MatrixOperand {
    public var operandRows: Int { rows }
    public var operandColumns: Int { columns }
    public func withOperand<R>(_ body: (UnsafePointer<Double>, Int) throws -> R) rethrows -> R {
        try storage.withUnsafeBufferPointer { buffer in
            // An empty array may have no base address; BLAS never reads it then.
            try body(buffer.baseAddress ?? UnsafePointer(bitPattern: 8)!, max(columns, 1))
        }
    }
}

extension MatrixView: MatrixOperand {
    public var operandRows: Int { rowRange.count }
    public var operandColumns: Int { columnRange.count }
    public func withOperand<R>(_ body: (UnsafePointer<Double>, Int) throws -> R) rethrows -> R {
        try base.storage.withUnsafeBufferPointer { buffer in
            let start = (buffer.baseAddress ?? UnsafePointer(bitPattern: 8)!)
                + rowRange.lowerBound * base.columns + columnRange.lowerBound
            return try body(start, max(base.columns, 1))
        }
    }
}
