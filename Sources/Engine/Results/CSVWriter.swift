import Foundation

/// CSV renderings of a gathered summary, for pandas, R or a spreadsheet: a
/// header row, one row per point (or per point and recorded step), fields
/// quoted when they hold a comma, quote or line break, missing numbers empty.
enum CSVWriter {
    static func field(_ text: String) -> String {
        text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
            ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
    }

    static func number(_ x: Double) -> String {
        if x.isNaN { return "" }
        if x.rounded() == x, abs(x) < 1e15 { return String(Int64(x)) }
        return "\(x)"
    }

    static func cell(_ column: SummaryTable.Column, _ row: Int) -> String {
        switch column {
        case .numbers(let values): return number(values[row])
        case .strings(let values): return field(values[row])
        }
    }

    /// The summary: one row per point.
    static func summary(_ table: SummaryTable, rows: Int) -> String {
        var lines = [table.names.map(field).joined(separator: ",")]
        for row in 0..<rows { lines.append(table.columns.map { cell($0, row) }.joined(separator: ",")) }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Trajectories in long format: point, the coordinate and stage columns,
    /// step, then one column per metric; a row per point and recorded step
    /// until the point stopped.
    static func trajectories(_ gatherer: PointGatherer, _ table: SummaryTable) throws -> String {
        let identifying = table.names.enumerated().filter { !["status", "stop", "steps", "lr"].contains($0.element)
            && !gatherer.metricNames.contains($0.element) }
        let metrics = gatherer.metricNames
        var lines = [(["point"] + identifying.map(\.element) + ["step"] + metrics).map(field).joined(separator: ",")]
        var rowsByOutput: [Int: [String]] = [:]
        try gatherer.forEachBatch { record, rows in
            for (output, row) in rows {
                let prefix = [String(output)] + identifying.map { cell(table.columns[$0.offset], output) }
                var text: [String] = []
                for (position, step) in record.recordedSteps.enumerated() {
                    let values = metrics.map { name -> Double in
                        guard let index = record.metricNames.firstIndex(of: name) else { return .nan }
                        return record.trajectories[index][row][position]
                    }
                    if values.allSatisfy(\.isNaN) { continue }
                    text.append((prefix + [String(step)] + values.map(number)).joined(separator: ","))
                }
                rowsByOutput[output] = text
            }
        }
        for output in 0..<gatherer.points.count { lines += rowsByOutput[output] ?? [] }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Writes text to `target` atomically (a temporary file beside it, renamed).
    static func write(_ text: String, to target: String) throws {
        let directory = (target as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: directory.isEmpty ? "." : directory, withIntermediateDirectories: true)
        let temporary = (directory.isEmpty ? "." : directory) + "/." + (target as NSString).lastPathComponent + ".tmp-\(getpid())"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(text.utf8)) else {
            throw CacheError(message: "cannot write \(temporary)")
        }
        guard rename(temporary, target) == 0 else {
            try? FileManager.default.removeItem(atPath: temporary)
            throw CacheError(message: "cannot move \(temporary) to \(target): \(String(cString: strerror(errno)))")
        }
    }
}
