import Foundation
import Base
import LinearAlgebra

/// What loading saw besides the data itself.
public struct LoadReport: Sendable, Equatable {
    /// Data rows in the file.
    public var rowsRead: Int
    /// Rows dropped for NaN, infinite or missing values (only with `dropNonFinite`).
    public var rowsDropped: Int

    public init(rowsRead: Int, rowsDropped: Int) {
        self.rowsRead = rowsRead
        self.rowsDropped = rowsDropped
    }
}

extension Dataset {
    /// Loads a CSV file with a header row: `target` names the column of y;
    /// `features` names the columns of X, in order (nil: every other column).
    ///
    /// Cells of the columns used must be decimal numbers (surrounding blanks are
    /// ignored); other columns may hold anything. An empty cell, a missing-value
    /// marker (NA, NaN, NULL, …) or an infinite value is an error naming its line
    /// and column — unless `dropNonFinite`, which drops such rows and counts them
    /// in the report.
    public static func loadCSV(path: String, target: String, features: [String]? = nil,
                               dropNonFinite: Bool = false) throws -> (Dataset, LoadReport) {
        guard let contents = FileManager.default.contents(atPath: path) else {
            var isDirectory: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
            throw DataError(file: path, message: !exists ? "no such file"
                            : isDirectory.boolValue ? "is a directory, not a CSV file" : "cannot be read")
        }
        return try parseCSV([UInt8](contents), file: path, target: target, features: features,
                            dropNonFinite: dropNonFinite)
    }

    /// Parses CSV bytes; `file` names them in errors.
    public static func parseCSV(_ bytes: [UInt8], file: String, target: String, features: [String]? = nil,
                                dropNonFinite: Bool = false) throws -> (Dataset, LoadReport) {
        var reader = CSVReader(file: file, bytes: bytes)
        var fields: [CSVReader.Field] = []
        guard let headerLine = try reader.next(into: &fields) else {
            throw DataError(file: file, message: "the file is empty (a header row and data rows are needed)")
        }
        let header = fields.map { reader.text($0).trimmingCharacters(in: .whitespaces) }
        var seen: [String: Int] = [:]
        for (index, name) in header.enumerated() {
            if name.isEmpty {
                throw DataError(file: file, place: .csv(line: headerLine, column: index + 1, name: nil),
                                message: "the header names no column here")
            }
            if let first = seen[name] {
                throw DataError(file: file, place: .csv(line: headerLine, column: index + 1, name: name),
                                message: "column name repeats column \(first + 1)")
            }
            seen[name] = index
        }

        func column(_ name: String, role: String) throws -> Int {
            if let index = seen[name] { return index }
            var message = "no \(role) column '\(name)' in the header"
            if let suggestion = Suggestion.closest(to: name, among: header) {
                message += "; did you mean '\(suggestion)'?"
            } else {
                message += " (columns: \(header.joined(separator: ", ")))"
            }
            throw DataError(file: file, place: .csv(line: headerLine, column: nil, name: nil), message: message)
        }
        let targetColumn = try column(target, role: "target")
        let featureColumns: [Int]
        if let features {
            featureColumns = try features.map { try column($0, role: "feature") }
            if featureColumns.contains(targetColumn) {
                throw DataError(file: file, place: .csv(line: headerLine, column: targetColumn + 1, name: target),
                                message: "the target column is also listed as a feature")
            }
        } else {
            featureColumns = header.indices.filter { $0 != targetColumn }
        }
        guard !featureColumns.isEmpty else {
            throw DataError(file: file, message: "no feature columns besides the target '\(target)'")
        }

        let d = featureColumns.count
        var x: [Double] = []
        var y: [Double] = []
        var row = [Double](repeating: 0, count: d)
        var buffer: [CChar] = []
        var rowsRead = 0, rowsDropped = 0
        while let line = try reader.next(into: &fields) {
            rowsRead += 1
            guard fields.count == header.count else {
                throw DataError(file: file, place: .csv(line: line, column: nil, name: nil),
                                message: "this row has \(fields.count) fields, the header has \(header.count)")
            }
            var keep = true
            func value(_ column: Int) throws -> Double {
                switch reader.number(fields[column], buffer: &buffer) {
                case .value(let number) where number.isFinite:
                    return number
                case .value, .missing:
                    if dropNonFinite { keep = false; return .nan }
                    let cell = reader.text(fields[column]).trimmingCharacters(in: .whitespaces)
                    throw DataError(file: file, place: .csv(line: line, column: column + 1, name: header[column]),
                                    message: (cell.isEmpty ? "empty cell" : "'\(cell)' is not a finite number")
                                        + " (drop_nonfinite: true drops such rows)")
                case .text:
                    let cell = reader.text(fields[column])
                    throw DataError(file: file, place: .csv(line: line, column: column + 1, name: header[column]),
                                    message: "'\(cell)' is not a number")
                }
            }
            let label = try value(targetColumn)
            for (j, column) in featureColumns.enumerated() { row[j] = try value(column) }
            if keep {
                y.append(label)
                x.append(contentsOf: row)
            } else {
                rowsDropped += 1
            }
        }
        guard rowsRead > 0 else { throw DataError(file: file, message: "the file has a header but no data rows") }
        guard !y.isEmpty else {
            throw DataError(file: file, message: "all \(rowsRead) rows hold NaN, infinite or missing values")
        }
        let data = Dataset(x: Matrix(rows: y.count, columns: d, storage: x), y: y,
                           featureNames: featureColumns.map { header[$0] })
        return (data, LoadReport(rowsRead: rowsRead, rowsDropped: rowsDropped))
    }
}
