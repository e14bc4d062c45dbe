import ArgumentParser
import Foundation
import Report
import ResultsFormat

/// `regime diff A.h5 B.h5`: what differs between two results files — their
/// provenance, which points each holds, and the metrics of the points both
/// hold (matched by their coordinates), largest relative change first.
struct Diff: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compare two results files: provenance, points, and metric differences (largest first).",
        discussion: """
        Points are matched by their coordinates (and rep, fold, stage). Two values agree when \
        |a − b| ≤ tolerance·max(|a|, |b|) (NaN agrees with NaN). Exit codes: 0 the same points with every \
        metric and outcome in agreement (provenance may differ: it is shown, not judged); 1 otherwise; \
        2 a file that is not a results file.
        """)

    @Argument(help: "The first results file.")
    var first: String

    @Argument(help: "The second results file.")
    var second: String

    @Option(help: "The relative tolerance (default 0: identical values).")
    var tolerance: Double = 0

    @Option(help: "List at most this many differing values.")
    var limit: Int = 20

    func validate() throws {
        if !(tolerance >= 0) { throw ValidationError("--tolerance must be ≥ 0") }
        if limit < 0 { throw ValidationError("--limit must be ≥ 0") }
    }

    func run() throws {
        let a = try loadResults(first), b = try loadResults(second)
        print("--- \(first)")
        print("+++ \(second)")

        // Provenance: every root attribute but the creation time.
        let names = (a.attributes.map(\.name) + b.attributes.map(\.name)).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        // (`resolved` restates the pipeline and overrides, which are compared.)
        for name in names where !["created", "regime_key", "resolved"].contains(name) {
            let left = a.attribute(name), right = b.attribute(name)
            guard left != right else { continue }
            if name == "pipeline", let left, let right {
                print("pipeline text:")
                for line in Diff.lineDiff(left, right) { print("  " + line) }
            } else {
                print("\(name): \(left ?? "(absent)") → \(right ?? "(absent)")")
            }
        }

        // Points, by what locates them.
        let locating = a.summary.names.filter { a.roles[$0]?.locates == true }
        func keys(_ results: Results) -> [String: Int] {
            var found: [String: Int] = [:]
            let columns = locating.compactMap { name in results.summary[name].map { (name, $0) } }
            for row in 0..<results.summary.rows {
                found[columns.map { "\($0.0)=\($0.1.text(row))" }.joined(separator: ", ")] = row
            }
            return found
        }
        let rowsA = keys(a), rowsB = keys(b)
        let onlyA = rowsA.keys.filter { rowsB[$0] == nil }.sorted(), onlyB = rowsB.keys.filter { rowsA[$0] == nil }.sorted()
        let common = rowsA.keys.filter { rowsB[$0] != nil }.sorted()
        let sameLocating = Set(locating) == Set(b.summary.names.filter { b.roles[$0]?.locates == true })
        if !sameLocating {
            print("the files locate points by different columns: \(locating.joined(separator: ", ")) vs "
                  + b.summary.names.filter { b.roles[$0]?.locates == true }.joined(separator: ", "))
        }
        print("points: \(common.count) in both, \(onlyA.count) only in the first, \(onlyB.count) only in the second")
        for key in onlyA.prefix(limit) { print("  - \(key)") }
        for key in onlyB.prefix(limit) { print("  + \(key)") }

        // Values of the points in both: outcomes and metrics present in both files.
        let compared = a.summary.names.filter { name in
            (a.roles[name] == .metric || a.roles[name] == .outcome) && b.summary[name] != nil
        }
        var differences: [(point: String, column: String, a: String, b: String, absolute: Double, relative: Double)] = []
        var checked = 0
        for key in common {
            let i = rowsA[key]!, j = rowsB[key]!
            for name in compared {
                let left = a.summary[name]!, right = b.summary[name]!
                checked += 1
                if let x = left.numbers?[i], let y = right.numbers?[j] {
                    if x.isNaN && y.isNaN { continue }
                    if x == y { continue }
                    let absolute = abs(x - y), scale = max(abs(x), abs(y))
                    let relative = scale > 0 && scale.isFinite ? absolute / scale : .infinity
                    if !(absolute <= tolerance * scale) {
                        differences.append((key, name, Table.format(x), Table.format(y), absolute, relative))
                    }
                } else if left.text(i) != right.text(j) {
                    differences.append((key, name, left.text(i), right.text(j), .infinity, .infinity))
                }
            }
        }
        let onlyColumns = a.summary.names.filter { (a.roles[$0] == .metric) && b.summary[$0] == nil }
            + b.summary.names.filter { (b.roles[$0] == .metric) && a.summary[$0] == nil }
        if !onlyColumns.isEmpty { print("metrics in one file only: \(onlyColumns.joined(separator: ", "))") }
        differences.sort { $0.relative != $1.relative ? $0.relative > $1.relative : $0.absolute > $1.absolute }
        if differences.isEmpty {
            print("values: all \(checked) agree" + (tolerance > 0 ? " within \(tolerance) relative" : " exactly"))
        } else {
            print("values: \(differences.count) of \(checked) differ" + (tolerance > 0 ? " by more than \(tolerance) relative" : "")
                  + (differences.count > limit ? "; the \(limit) largest:" : ":"))
            var table = Table()
            let shown = Array(differences.prefix(limit))
            table.append("point", .strings(shown.map(\.point)))
            table.append("column", .strings(shown.map(\.column)))
            table.append("first", .strings(shown.map(\.a)))
            table.append("second", .strings(shown.map(\.b)))
            table.append("change", .numbers(shown.map(\.absolute)))
            table.append("relative", .numbers(shown.map(\.relative)))
            print(try reportingUsage { try table.text() })
        }
        let identical = differences.isEmpty && onlyA.isEmpty && onlyB.isEmpty && onlyColumns.isEmpty && sameLocating
        if !identical { throw ExitCode(1) }
    }

    /// A line diff by the longest common subsequence: "- " lines only in a,
    /// "+ " lines only in b (unchanged lines are left out).
    static func lineDiff(_ a: String, _ b: String) -> [String] {
        let x = a.components(separatedBy: "\n"), y = b.components(separatedBy: "\n")
        var length = [[Int]](repeating: [Int](repeating: 0, count: y.count + 1), count: x.count + 1)
        for i in stride(from: x.count - 1, through: 0, by: -1) {
            for j in stride(from: y.count - 1, through: 0, by: -1) {
                length[i][j] = x[i] == y[j] ? length[i + 1][j + 1] + 1 : max(length[i + 1][j], length[i][j + 1])
            }
        }
        var lines: [String] = []
        var i = 0, j = 0
        while i < x.count || j < y.count {
            if i < x.count, j < y.count, x[i] == y[j] {
                i += 1
                j += 1
            } else if j < y.count, i == x.count || length[i][j + 1] >= length[i + 1][j] {
                lines.append("+ " + y[j])
                j += 1
            } else {
                lines.append("- " + x[i])
                i += 1
            }
        }
        return lines
    }
}
