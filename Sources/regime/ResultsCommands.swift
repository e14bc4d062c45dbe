import ArgumentParser
import Base
import Foundation
import HDF5
import Pipeline
import Report
import ResultsFormat

/// Reads a results file for show, export, plot and report; a missing file or
/// one that is not a results file is invalid input (exit 2).
func loadResults(_ path: String) throws -> Results {
    do {
        return try Results(contentsOf: path)
    } catch let error as HDF5Error {
        printError(error.description)
        throw ExitCode(Exit.inputError)
    } catch let error as ResultsError {
        printError(error.description)
        throw ExitCode(Exit.inputError)
    }
}

/// A bad column name or filter is a command-line problem (exit 64).
func reportingUsage<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as ReportError {
        printError(error.description)
        throw ExitCode(64)
    }
}

struct Show: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print a results file's provenance and summary table.")

    @Argument(help: "The results file (.h5).")
    var results: String

    @Option(name: .customLong("where"), help: ArgumentHelp("Keep rows where a column equals a value; repeatable.", valueName: "key=value"))
    var filters: [String] = []

    @Option(help: "Sort the rows by this column.")
    var sort: String?

    @Flag(help: "Sort in descending order.")
    var descending = false

    @Option(help: ArgumentHelp("The columns to show, comma-separated (default: coordinates, status, steps and the main metrics).",
                               valueName: "a,b,c"))
    var columns: String?

    @Option(help: "Show at most this many rows.")
    var limit: Int?

    @Flag(help: "Aggregate over replicates and folds: per combination of the other coordinates, n and each metric's mean, sd and 95% interval half-width (<metric>, <metric>_sd, <metric>_ci95).")
    var aggregate = false

    func run() throws {
        let results = try loadResults(results)
        let summary = results.summary
        let provenance = ["regime_version", "seed", "created", "pipeline_file"].compactMap { key in
            results.attribute(key).map { "\(key == "regime_version" ? "regime" : key) \($0)" }
        }
        print("\(self.results): \(results.attribute("name") ?? "results"), \(summary.rows) point\(summary.rows == 1 ? "" : "s")")
        if !provenance.isEmpty { print("  " + provenance.joined(separator: ", ")) }
        if let overrides = results.attribute("overrides"), overrides != "[]" { print("  --set \(overrides)") }
        var table = try reportingUsage { try summary.filtered(filters) }
        if !aggregate, let sort { table = try reportingUsage { try table.sorted(by: sort, descending: descending) } }
        let chosen: [String]
        if aggregate {
            // The metrics asked for (or the main ones), each as mean, sd and interval.
            let metrics = columns.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
                ?? ShowColumns.main(results)
            for metric in metrics where results.roles[metric] != .metric {
                printError("--aggregate: '\(metric)' is not a metric column (metrics: \(results.metricNames.joined(separator: ", ")))")
                throw ExitCode(64)
            }
            table = Aggregation.table(table, roles: results.roles, metrics: metrics)
            if let sort { table = try reportingUsage { try table.sorted(by: sort, descending: descending) } }
            if !filters.isEmpty { print("  \(table.rows) groups of the rows where \(filters.joined(separator: ", "))") }
            print()
            print(try reportingUsage { try table.text(limit: limit) })
            return
        } else if let columns {
            chosen = columns.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        } else {
            let metrics = ShowColumns.main(results)
            // converged beside status (files from before it was written lack it).
            let outcome = ["status", "converged", "steps"].filter(summary.names.contains)
            chosen = results.coordinateNames + outcome + metrics
            let hidden = summary.names.filter { !chosen.contains($0) }
            if !hidden.isEmpty { print("  (also: \(hidden.joined(separator: ", ")); --columns picks)") }
        }
        if !filters.isEmpty { print("  \(table.rows) of \(summary.rows) rows where \(filters.joined(separator: ", "))") }
        print()
        print(try reportingUsage { try table.text(columns: chosen, limit: limit) })
    }
}

/// The metrics `show` prints by default: up to six, the most telling first,
/// training before test as a table reads (the report's plots rank test first).
enum ShowColumns {
    static let order = ["train_mse", "test_mse", "population_risk", "asymptotic_risk", "train_error", "test_error",
                        "dist_min_l1", "dist_min_l2", "dist_q_alpha", "dist_ridge", "dist_min_l2_init", "dist_truth",
                        "l1_norm", "l2_norm"]
    static func main(_ results: Results) -> [String] {
        Array(order.filter { results.metricNames.contains($0) }.prefix(6))
    }
}

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a results file's summary (or trajectories, in long format) as CSV for pandas, R or a spreadsheet.")

    @Argument(help: "The results file (.h5).")
    var results: String

    @Option(name: .shortAndLong, help: "The CSV file (default: standard output).")
    var output: String?

    @Flag(help: "Trajectories in long format: point, coordinates, step, one column per metric.")
    var trajectories = false

    func run() throws {
        let results = try loadResults(results)
        let text = trajectories ? CSV.trajectories(results) : CSV.summary(results.summary)
        if let output {
            try refuseOverwriting(results.path, with: output)
            try reportingErrors { try CSV.write(text, to: output) }
        } else {
            print(text, terminator: "")
        }
    }
}

struct PlotCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plot",
        abstract: "Draw an SVG plot: a final metric against a swept coordinate, or a trajectory against the step.",
        discussion: "Series by --by (and by any other coordinate that varies); points are means over rep with a ±1 sd band.")

    @Argument(help: "The results file (.h5).")
    var results: String

    @Option(help: "The coordinate on the x axis.")
    var x: String?

    @Option(help: "The metric on the y axis; repeat to draw several.")
    var y: [String] = []

    @Option(help: "A coordinate whose values become series.")
    var by: String?

    @Option(help: ArgumentHelp("Plot this metric's trajectories against the step instead.", valueName: "metric"))
    var trajectory: String?

    @Flag(name: .customLong("log-x"), help: "A logarithmic x axis.")
    var logX = false

    @Flag(name: .customLong("log-y"), help: "A logarithmic y axis.")
    var logY = false

    @Option(help: "A coordinate whose values each get a panel of their own (small multiples on shared axes).")
    var facet: String?

    @Flag(name: .customLong("include-unconverged"),
          help: "Average points that did not converge (or diverged) into the lines; by default they are drawn apart, hollow.")
    var includeUnconverged = false

    @Option(help: "The title.")
    var title: String?

    @Option(name: .shortAndLong, help: "The SVG file (default: <results>-<y>.svg).")
    var output: String?

    func validate() throws {
        if trajectory == nil && (x == nil || y.isEmpty) { throw ValidationError("give --x and --y, or --trajectory METRIC") }
    }

    func run() throws {
        let results = try loadResults(self.results)
        let metrics = trajectory.map { [$0] + y } ?? y
        var spec = PlotSpec(x: x ?? "step", y: metrics, by: by, logX: logX, logY: logY, trajectory: trajectory != nil, title: title)
        spec.includeUnconverged = includeUnconverged
        spec.facet = facet
        let svg = try reportingUsage { try Plot.svg(results, spec) }
        let target = output ?? (self.results as NSString).deletingPathExtension + "-" + metrics.joined(separator: "-") + ".svg"
        try refuseOverwriting(self.results, with: target)
        try reportingErrors { try DurableFile.write(svg, to: target) }
        print("wrote \(target)")
    }
}

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write one self-contained HTML page: provenance, the summary table and every sensible plot.")

    @Argument(help: "The results file (.h5).")
    var results: String

    @Option(name: .shortAndLong, help: "The HTML file (default: the results file with .html).")
    var output: String?

    func run() throws {
        let results = try loadResults(self.results)
        let target = output ?? (self.results as NSString).deletingPathExtension + ".html"
        try refuseOverwriting(self.results, with: target)
        try reportingErrors { try DurableFile.write(HTMLReport.render(results), to: target) }
        print("wrote \(target)")
    }
}
