import Foundation
import Report
import ResultsFormat
import TestSupport

/// Runs a pipeline from pipelines/ scaled down with `--set`, its outputs and
/// cache in a temporary directory, and reads the results back.
struct Study {
    let name: String
    let directory: TemporaryDirectory

    init(_ name: String) throws {
        self.name = name
        directory = try TemporaryDirectory("study-\(name)")
    }

    /// Runs the study; `outputs` are the stages writing files, redirected here.
    func run(_ overrides: [String], outputs: [String: String]) throws -> Results {
        var arguments = ["run", Paths.repository("pipelines/\(name).yaml").path, "--cache", directory.file("cache"), "--quiet"]
        for (stage, file) in outputs { arguments += ["--set", "\(stage).path=\(directory.file(file))"] }
        for override in overrides { arguments += ["--set", override] }
        let result = try Subprocess.regime(arguments)
        guard result.status == 0 else {
            throw Failure(description: "regime run \(name) exited with \(result.status):\n\(result.stderr)")
        }
        return try Results(contentsOf: directory.file(outputs["results"] ?? "results.h5"))
    }

    struct Failure: Error, CustomStringConvertible { var description: String }
}

extension Results {
    func numbers(_ column: String) -> [Double] { summary[column]?.numbers ?? [] }
    func strings(_ column: String) -> [String] { (0..<summary.rows).map { summary[column]?.text($0) ?? "" } }

    /// The mean of `metric` over the rows where `column` equals each value, in
    /// ascending order of the value (rows filtered by `where`).
    func means(of metric: String, by column: String, where keep: (Int) -> Bool = { _ in true }) -> [(x: Double, mean: Double)] {
        let xs = numbers(column), ys = numbers(metric)
        var groups: [Double: [Double]] = [:]
        for row in 0..<summary.rows where keep(row) { groups[xs[row], default: []].append(ys[row]) }
        return groups.keys.sorted().map { x in (x, groups[x]!.reduce(0, +) / Double(groups[x]!.count)) }
    }
}
