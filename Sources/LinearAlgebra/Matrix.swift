import Foundation

/// A dense matrix of Float64 in row-major order — rows are samples, as in HDF5
/// and NumPy: element (i, j) is `storage[i * columns + j]`.
///
/// A value type with copy-on-write storage. BLAS and LAPACK calls take the
/// storage order into account through leading dimensions and transpose flags;
/// nothing is transposed by copying.
public struct Matrix: Equatable, Sendable {
    public let rows: Int
    public let columns: Int
    /// The elements, row-major.
    public var storage: [Double]

    /// A matrix with every element `value`.
    public init(rows: Int, columns: Int, repeating value: Double = 0) {
        precondition(rows >= 0 && columns >= 0, "negative matrix dimensions")
        self.rows = rows
        self.columns = columns
        self.storage = [Double](repeating: value, count: rows * columns)
    }

    /// A matrix over row-major `storage` (`rows · columns` elements).
    public init(rows: Int, columns: Int, storage: [Double]) {
        precondition(rows >= 0 && columns >= 0 && storage.count == rows * columns,
                     "storage of \(storage.count) elements for a \(rows)×\(columns) matrix")
        self.rows = rows
        self.columns = columns
        self.storage = storage
    }

    /// A matrix from nested rows (all of one length).
    public init(_ rowArrays: [[Double]]) {
        let columns = rowArrays.first?.count ?? 0
        precondition(rowArrays.allSatisfy { $0.count == columns }, "ragged rows")
        self.init(rows: rowArrays.count, columns: columns, storage: rowArrays.flatMap { $0 })
    }

    /// A column vector (n × 1).
    public init(column: [Double]) {
        self.init(rows: column.count, columns: 1, storage: column)
    }

    /// The n × n identity.
    public static func identity(_ n: Int) -> Matrix {
        var matrix = Matrix(rows: n, columns: n)
        for i in 0..<n { matrix.storage[i * n + i] = 1 }
        return matrix
    }

    public subscript(row: Int, column: Int) -> Double {
        get { storage[row * columns + column] }
        set { storage[row * columns + column] = newValue }
    }

    public var shape: (rows: Int, columns: Int) { (rows, columns) }

    /// Row `i`, without copying.
    public func row(_ i: Int) -> ArraySlice<Double> {
        storage[(i * columns)..<((i + 1) * columns)]
    }

    /// Column `j`, copied (columns are strided in row-major storage).
    public func column(_ j: Int) -> [Double] {
        (0..<rows).map { storage[$0 * columns + j] }
    }

    /// The transpose, as a new matrix. BLAS calls never need this: pass a
    /// transpose flag instead.
    public var transposed: Matrix {
        var result = Matrix(rows: columns, columns: rows)
        for i in 0..<rows {
            for j in 0..<columns { result.storage[j * rows + i] = storage[i * columns + j] }
        }
        return result
    }

    /// The mean of each column (of the rows).
    public var columnMeans: [Double] {
        var means = [Double](repeating: 0, count: columns)
        for i in 0..<rows { for j in 0..<columns { means[j] += storage[i * columns + j] } }
        return means.map { $0 / Double(Swift.max(rows, 1)) }
    }

    /// Every row minus `means` (one per column).
    public func centered(by means: [Double]) -> Matrix {
        precondition(means.count == columns, "one mean per column")
        var result = self
        for i in 0..<rows { for j in 0..<columns { result.storage[i * columns + j] -= means[j] } }
        return result
    }

    /// The scatter matrix about `means`: (X − 1μᵀ)ᵀ(X − 1μᵀ) (columns × columns),
    /// n − 1 or n times the covariance.
    public func scatter(about means: [Double]) -> Matrix {
        let centered = self.centered(by: means)
        return BLAS.product(centered, .transpose, centered, .none)
    }

    /// The rows at `indices`, in that order (a gather, so a copy).
    public func selectingRows<C: Collection>(_ indices: C) -> Matrix where C.Element == Int {
        var values: [Double] = []
        values.reserveCapacity(indices.count * columns)
        for i in indices { values.append(contentsOf: row(i)) }
        return Matrix(rows: indices.count, columns: columns, storage: values)
    }
}

extension Matrix: CustomStringConvertible {
    public var description: String {
        let shown = (0..<min(rows, 6)).map { i in
            row(i).prefix(6).map { String(format: "%10.4g", $0) }.joined(separator: " ") + (columns > 6 ? " …" : "")
        }
        return "Matrix \(rows)×\(columns)\n" + shown.joined(separator: "\n") + (rows > 6 ? "\n…" : "")
    }
}
