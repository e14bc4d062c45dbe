import Base
import Foundation

/// CSV renderings of results, for pandas, R or a spreadsheet: a header row,
/// fields quoted when they hold a comma, quote or line break, numbers in their
/// shortest round-trip form, missing numbers empty.
public enum CSV {
    static func field(_ text: String) -> String {
        text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
            ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
    }

    /// The summary: one row per point.
    public static func summary(_ table: Table) -> String {
        var lines = [table.names.map(field).joined(separator: ",")]
        for row in 0..<table.rows { lines.append(table.columns.map { field($0.text(row)) }.joined(separator: ",")) }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Trajectories in long format: point, the coordinate columns, step, one
    /// column per metric; a row per point and recorded step until it stopped.
    public static func trajectories(_ results: Results) -> String {
        let identifying = results.coordinateNames
        let metrics = results.trajectories.map(\.metric)
        var lines = [(["point"] + identifying + ["step"] + metrics).map(field).joined(separator: ",")]
        for point in 0..<results.summary.rows {
            let prefix = [String(point)] + identifying.map { field(results.summary[$0]!.text(point)) }
            for (position, step) in results.steps.enumerated() {
                let values = results.trajectories.map { $0.values[point][position] }
                if values.allSatisfy(\.isNaN) { continue }
                lines.append((prefix + [String(step)] + values.map(Table.format)).joined(separator: ","))
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Writes text to `target` whole and durably (`DurableFile`).
    public static func write(_ text: String, to target: String) throws {
        try DurableFile.write(text, to: target)
    }
}
