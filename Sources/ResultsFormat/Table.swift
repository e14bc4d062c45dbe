/// A column of a summary: numbers (NaN for missing) or text.
public enum Column: Sendable, Equatable {
    case numbers([Double])
    case strings([String])

    public var count: Int {
        switch self {
        case .numbers(let values): return values.count
        case .strings(let values): return values.count
        }
    }

    public var numbers: [Double]? { if case .numbers(let values) = self { return values } else { return nil } }

    /// The value of a row as text: numbers in their shortest round-trip form
    /// (integers without a decimal point), missing numbers empty.
    public func text(_ row: Int) -> String {
        switch self {
        case .numbers(let values): return Table.format(values[row])
        case .strings(let values): return values[row]
        }
    }

    public func selecting(_ rows: [Int]) -> Column {
        switch self {
        case .numbers(let values): return .numbers(rows.map { values[$0] })
        case .strings(let values): return .strings(rows.map { values[$0] })
        }
    }
}

/// A summary table: named columns of equal length, one row per point.
public struct Table: Sendable, Equatable {
    public private(set) var names: [String] = []
    public private(set) var columns: [Column] = []

    public init() {}

    public init(names: [String], columns: [Column]) {
        precondition(names.count == columns.count && Set(columns.map(\.count)).count <= 1, "ragged table")
        self.names = names
        self.columns = columns
    }

    public mutating func append(_ name: String, _ column: Column) {
        precondition(columns.isEmpty || column.count == rows, "column \(name) has \(column.count) rows, the table \(rows)")
        names.append(name)
        columns.append(column)
    }

    public var rows: Int { columns.first?.count ?? 0 }

    public subscript(name: String) -> Column? { names.firstIndex(of: name).map { columns[$0] } }

    /// The rows at `indices`, in that order.
    public func selecting(_ indices: [Int]) -> Table {
        Table(names: names, columns: columns.map { $0.selecting(indices) })
    }

    /// A number as the CSV export writes it: shortest round-trip form,
    /// integers without a decimal point, NaN as an empty cell.
    public static func format(_ x: Double) -> String {
        if x.isNaN { return "" }
        if x.isInfinite { return x > 0 ? "inf" : "-inf" }
        if x.rounded() == x, abs(x) < 1e15 { return String(Int64(x)) }
        return "\(x)"
    }
}

/// A results file that does not hold what the contract says: names the file
/// and the object.
public struct ResultsError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
