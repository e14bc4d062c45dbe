import ResultsFormat
/// The summary for a terminal: filtered, sorted, aligned.
extension Table {
    /// Rows where every `key=value` filter holds: a number column compares
    /// numerically (`l2=0.001` matches 1e-3), a text column exactly.
    public func filtered(_ filters: [String]) throws -> Table {
        var rows = Array(0..<self.rows)
        for filter in filters {
            guard let equals = filter.firstIndex(of: "=") else {
                throw ReportError("--where needs key=value (got '\(filter)')")
            }
            let key = String(filter[..<equals]), wanted = String(filter[filter.index(after: equals)...])
            guard let column = self[key] else {
                throw ReportError("no column '\(key)' to filter on (columns: \(names.joined(separator: ", ")))")
            }
            switch column {
            case .numbers(let values):
                guard let number = Double(wanted) else { throw ReportError("'\(key)' holds numbers; '\(wanted)' is not one") }
                rows = rows.filter { values[$0] == number || abs(values[$0] - number) <= 1e-12 * abs(number) }
            case .strings(let values):
                rows = rows.filter { values[$0] == wanted }
            }
        }
        return selecting(rows)
    }

    /// Rows sorted by a column (numbers ascending, NaN last; text
    /// lexicographically), stable; `descending` reverses.
    public func sorted(by key: String, descending: Bool = false) throws -> Table {
        guard let column = self[key] else {
            throw ReportError("no column '\(key)' to sort by (columns: \(names.joined(separator: ", ")))")
        }
        let order: [Int]
        switch column {
        case .numbers(let values):
            order = Array(0..<rows).sorted { a, b in
                let x = values[a], y = values[b]
                if x.isNaN || y.isNaN { return !x.isNaN && y.isNaN ? true : (x.isNaN == y.isNaN && a < b) }
                return x == y ? a < b : (descending ? x > y : x < y)
            }
        case .strings(let values):
            order = Array(0..<rows).sorted { a, b in values[a] == values[b] ? a < b : (descending ? values[a] > values[b] : values[a] < values[b]) }
        }
        return selecting(order)
    }

    /// The table as aligned text: numbers right-aligned to 6 significant
    /// digits, text left-aligned; `columns` picks and orders columns.
    public func text(columns chosen: [String]? = nil, limit: Int? = nil) throws -> String {
        let picked = chosen ?? names
        for name in picked where self[name] == nil {
            throw ReportError("no column '\(name)' (columns: \(names.joined(separator: ", ")))")
        }
        let shown = min(rows, limit ?? rows)
        var cells: [[String]] = [picked]
        for row in 0..<shown {
            cells.append(picked.map { name -> String in
                switch self[name]! {
                case .numbers(let values): return Table.short(values[row])
                case .strings(let values): return values[row]
                }
            })
        }
        let widths = picked.indices.map { column in cells.map { $0[column].count }.max() ?? 0 }
        let numeric = picked.map { self[$0]!.numbers != nil }
        var lines = cells.map { row in
            row.enumerated().map { column, text in
                numeric[column] ? String(repeating: " ", count: widths[column] - text.count) + text
                    : text + String(repeating: " ", count: widths[column] - text.count)
            }.joined(separator: "  ").replacingTrailingSpaces()
        }
        if shown < rows { lines.append("… \(rows - shown) more rows") }
        return lines.joined(separator: "\n")
    }

    /// A number to 6 significant digits, compactly.
    public static func short(_ x: Double) -> String {
        if x.isNaN { return "—" }
        if x.isInfinite { return x > 0 ? "inf" : "-inf" }
        if x.rounded() == x, abs(x) < 1e9 { return String(Int64(x)) }
        let magnitude = abs(x)
        if magnitude >= 1e-4 && magnitude < 1e6 {
            var text = String(format: "%.6g", x)
            if text.contains("e") { text = String(format: "%.4e", x) }
            return text
        }
        return String(format: "%.4e", x)
    }
}

extension String {
    func replacingTrailingSpaces() -> String {
        var text = self
        while text.last == " " { text.removeLast() }
        return text
    }
}

import Foundation

/// A problem with a request about a table: an unknown column, a bad filter.
public struct ReportError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
