import Foundation
import ResultsFormat

/// One self-contained HTML page for a results file: provenance, the summary
/// table and every sensible plot, inline (SVG and CSS in the page; no script,
/// no network).
public enum HTMLReport {
    /// Metrics in the order a reader looks for them.
    static let preferred = ["test_mse", "population_risk", "asymptotic_risk", "train_mse", "test_error", "train_error",
                            "dist_min_l1", "dist_min_l2", "dist_q_alpha", "dist_ridge", "dist_min_l2_init", "dist_truth",
                            "l1_norm", "l2_norm", "support_recall", "support_precision", "objective", "test_loss", "train_loss"]

    public static func render(_ results: Results, maxRows: Int = 300) -> String {
        let name = results.attribute("name") ?? (results.path as NSString).lastPathComponent
        var html = """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>\(escape(name)) — regime report</title>
        <style>
        body { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; margin: 2em; color: #222; background: #fff; }
        h1 { font-size: 1.6em; } h2 { font-size: 1.25em; margin-top: 1.6em; border-bottom: 1px solid #ccc; }
        table { border-collapse: collapse; font-size: 0.85em; }
        td, th { border: 1px solid #ddd; padding: 2px 6px; text-align: right; white-space: nowrap; } th { background: #f2f2f2; }
        td.text { text-align: left; } pre { background: #f7f7f7; padding: 0.8em; overflow-x: auto; font-size: 0.85em; }
        .plots { display: flex; flex-wrap: wrap; gap: 12px; } .note { color: #666; font-size: 0.9em; }
        </style></head><body>
        <h1>\(escape(name))</h1>
        <p class="note">regime report of <code>\(escape(results.path))</code></p>

        """
        html += "<h2>Provenance</h2>\n<table>\n"
        for (key, value) in results.attributes where key != "pipeline" && key != "resolved" {
            html += "<tr><th>\(escape(key))</th><td class=\"text\">\(escape(value))</td></tr>\n"
        }
        html += "</table>\n"
        if let pipeline = results.attribute("pipeline") { html += "<h3>Pipeline</h3>\n<pre>\(escape(pipeline))</pre>\n" }

        let table = results.summary
        html += "<h2>Summary</h2>\n"
        if table.rows > maxRows { html += "<p class=\"note\">The first \(maxRows) of \(table.rows) points.</p>\n" }
        html += "<table>\n<tr>" + table.names.map { "<th>\(escape($0))</th>" }.joined() + "</tr>\n"
        for row in 0..<min(table.rows, maxRows) {
            html += "<tr>" + table.columns.map { column -> String in
                switch column {
                case .numbers(let values): return "<td>\(escape(Table.short(values[row])))</td>"
                case .strings(let values): return "<td class=\"text\">\(escape(values[row]))</td>"
                }
            }.joined() + "</tr>\n"
        }
        html += "</table>\n"

        let specs = plots(results)
        if !specs.isEmpty {
            html += "<h2>Plots</h2>\n<div class=\"plots\">\n"
            for spec in specs {
                if let svg = try? Plot.svg(results, spec) { html += "<figure>\(svg)</figure>\n" }
            }
            html += "</div>\n"
        }
        return html + "</body></html>\n"
    }

    /// Every sensible plot: each metric against each numeric coordinate that
    /// varies, grouped by the coordinate with the fewest values besides it;
    /// log axes where values are positive and span more than a decade
    /// (x) or two (y); and the main trajectories against the step.
    public static func plots(_ results: Results, limit: Int = 18) -> [PlotSpec] {
        let table = results.summary
        func distinct(_ name: String) -> Int { Set((0..<table.rows).map { table[name]!.text($0) }).count }
        let isRep = results.isReplicate
        let coordinates = results.coordinateNames.filter { !isRep($0) && distinct($0) > 1 }
        let numeric = coordinates.filter { table[$0]?.numbers != nil }
        let metrics = (preferred.filter { results.metricNames.contains($0) }
            + results.metricNames.filter { !preferred.contains($0) }).filter { name in
                table[name]?.numbers?.contains(where: \.isFinite) == true
            }
        func logScale(_ values: [Double], span: Double) -> Bool {
            let finite = values.filter(\.isFinite)
            guard let low = finite.min(), let high = finite.max(), low > 0 else { return false }
            return high / low > span
        }
        var specs: [PlotSpec] = []
        // The richest coordinates on the x axis; a two-valued one only when nothing richer varies.
        let xs = numeric.sorted { distinct($0) > distinct($1) }.filter { distinct($0) > 2 || numeric.allSatisfy { distinct($0) <= 2 } }
        for x in xs {
            let by = coordinates.filter { $0 != x }.min { distinct($0) < distinct($1) }
            for metric in metrics where specs.count < limit {
                specs.append(PlotSpec(x: x, y: [metric], by: by, logX: logScale(table[x]!.numbers!, span: 20),
                                      logY: logScale(table[metric]!.numbers!, span: 100)))
            }
        }
        let trajectoryMetrics = preferred.filter { name in results.trajectory(name) != nil && name != "asymptotic_risk" }.prefix(4)
        for metric in trajectoryMetrics {
            let values = results.trajectory(metric)!.flatMap { $0 }
            specs.append(PlotSpec(x: "step", y: [metric], by: coordinates.min { distinct($0) < distinct($1) }, logX: false,
                                  logY: logScale(values, span: 100), trajectory: true))
        }
        return specs
    }

    static func escape(_ text: String) -> String { Plot.escape(text) }
}
