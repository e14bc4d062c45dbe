import Foundation
import ResultsFormat

/// One self-contained HTML page for a results file: the plots that answer the
/// study's question first, then the aggregated table, every point (collapsed)
/// and the provenance, inline (SVG and CSS in the page; no script, no network).
public enum HTMLReport {
    /// Metrics in the order a reader looks for them.
    static let preferred = ["test_mse", "population_risk", "asymptotic_risk", "train_mse", "test_error", "train_error",
                            "memorization_rate", "frechet_distance", "class_agreement", "nearest_train_distance", "test_loss",
                            "dist_min_l1", "dist_min_l2", "dist_q_alpha", "dist_ridge", "dist_min_l2_init", "dist_truth",
                            "l1_norm", "l2_norm", "support_recall", "support_precision", "objective", "train_loss"]

    /// The page, in the order a reader wants it: a line of provenance, the
    /// plots, the table aggregated over replicates and folds, every point
    /// (collapsed), then the full provenance and the pipeline text.
    public static func render(_ results: Results) -> String {
        let name = results.attribute("name") ?? (results.path as NSString).lastPathComponent
        let table = results.summary
        let unconverged = (0..<table.rows).filter { !Plot.converged(table, $0) }
        var html = """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>\(escape(name)) — regime report</title>
        <style>
        body { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; margin: 1.2em 2em; color: #222; background: #fff; }
        h1 { font-size: 1.5em; margin: 0.2em 0; } h2 { font-size: 1.2em; margin-top: 1.4em; border-bottom: 1px solid #ccc; }
        table { border-collapse: collapse; font-size: 0.85em; }
        td, th { border: 1px solid #ddd; padding: 2px 6px; text-align: right; white-space: nowrap; } th { background: #f2f2f2; }
        td.text { text-align: left; } pre { background: #f7f7f7; padding: 0.8em; overflow-x: auto; font-size: 0.85em; }
        tr.unconverged td { color: #a33; } .plots { display: flex; flex-wrap: wrap; gap: 12px; } .note { color: #666; font-size: 0.9em; margin: 0.2em 0; }
        summary { cursor: pointer; font-weight: bold; margin: 0.6em 0; }
        </style></head><body>
        <h1>\(escape(name))</h1>

        """
        let brief = ["regime_version", "seed", "created", "pipeline_file"].compactMap { key in
            results.attribute(key).map { "\(key == "regime_version" ? "regime" : key) \($0)" }
        }
        html += "<p class=\"note\">\(table.rows) points · \(escape(brief.joined(separator: " · "))) · <code>\(escape(results.path))</code>"
        if !unconverged.isEmpty {
            html += " · <span style=\"color:#a33\">\(unconverged.count) not converged (hollow in the plots, red in the tables, left out of the means)</span>"
        }
        html += "</p>\n"

        let specs = plots(results)
        if !specs.isEmpty {
            html += "<div class=\"plots\">\n"
            for spec in specs {
                if let svg = try? Plot.svg(results, spec) { html += "<figure style=\"margin:0\">\(svg)</figure>\n" }
            }
            html += "</div>\n"
        }

        if let samples = results.samples { html += samplesSection(results, samples) }

        // Aggregated over rep and fold, converged points only.
        let metrics = Array((preferred.filter { results.metricNames.contains($0) }
            + results.metricNames.filter { !preferred.contains($0) }).prefix(6))
        let kept = (0..<table.rows).filter { Plot.converged(table, $0) }
        let aggregated = Aggregation.table(table.selecting(kept), roles: results.roles, metrics: metrics)
        html += "<h2>Aggregated over replicates and folds</h2>\n"
        html += "<p class=\"note\">Per combination of the coordinates: n points, each metric's mean ± sd and the half-width of its 95% interval (t)"
            + (unconverged.isEmpty ? "" : "; the \(unconverged.count) points that did not converge are left out") + ".</p>\n"
        html += "<table>\n<tr>" + aggregated.names.filter { !$0.hasSuffix("_sd") && !$0.hasSuffix("_ci95") }.map { name in
            metrics.contains(name) ? "<th>\(escape(name)) (mean ± sd, ±95%)</th>" : "<th>\(escape(name))</th>"
        }.joined() + "</tr>\n"
        for row in 0..<aggregated.rows {
            html += "<tr>"
            for (index, name) in aggregated.names.enumerated() where !name.hasSuffix("_sd") && !name.hasSuffix("_ci95") {
                if metrics.contains(name), let mean = aggregated[name]?.numbers?[row] {
                    let sd = aggregated[name + "_sd"]?.numbers?[row] ?? .nan, half = aggregated[name + "_ci95"]?.numbers?[row] ?? .nan
                    html += "<td>\(escape(Table.short(mean)))" + (sd.isNaN ? "" : " ± \(escape(Table.short(sd))) (±\(escape(Table.short(half))))") + "</td>"
                } else {
                    html += cell(aggregated.columns[index], row)
                }
            }
            html += "</tr>\n"
        }
        html += "</table>\n"

        html += "<details><summary>Every point (\(table.rows)\(unconverged.isEmpty ? "" : ", \(unconverged.count) not converged"))</summary>\n<table>\n<tr>"
            + table.names.map { "<th>\(escape($0))</th>" }.joined() + "</tr>\n"
        let flagged = Set(unconverged)
        for row in 0..<table.rows {
            html += (flagged.contains(row) ? "<tr class=\"unconverged\">" : "<tr>") + table.columns.map { cell($0, row) }.joined() + "</tr>\n"
        }
        html += "</table>\n</details>\n"

        html += "<h2>Provenance</h2>\n<table>\n"
        for (key, value) in results.attributes where key != "pipeline" && key != "resolved" {
            html += "<tr><th>\(escape(key))</th><td class=\"text\">\(escape(value))</td></tr>\n"
        }
        html += "</table>\n"
        if let pipeline = results.attribute("pipeline") { html += "<h3>Pipeline</h3>\n<pre>\(escape(pipeline))</pre>\n" }
        return html + "</body></html>\n"
    }

    /// The most points whose samples the page shows.
    static let sampledPoints = 60

    /// Per point (up to `sampledPoints`): where it is, its memorization rate,
    /// its first samples, and beside them each sample's nearest training image.
    static func samplesSection(_ results: Results, _ samples: SampleImages) -> String {
        let table = results.summary
        let located = table.names.filter { results.roles[$0]?.locates == true }
        // The grey scale of the training images the samples are compared with.
        let real = samples.nearest.flatMap { $0.flatMap { $0 } }.filter(\.isFinite)
        let low = real.min() ?? 0, high = real.max() ?? 1
        let shown = min(table.rows, sampledPoints)
        var html = "<h2>Samples</h2>\n<p class=\"note\">The first \(SampleImages.shown) samples of "
            + (shown < table.rows ? "the first \(shown) of the \(table.rows) points" : "each point")
            + ", and beside them each sample's nearest training image (dark is ink; grey scale \(escape(Table.short(low)))–\(escape(Table.short(high))), values beyond it clamped).</p>\n"
        html += "<table>\n<tr>" + located.map { "<th>\(escape($0))</th>" }.joined()
            + "<th>memorization_rate</th><th>samples</th><th>nearest training images</th></tr>\n"
        let rate = table["memorization_rate"]?.numbers
        for row in 0..<shown {
            html += "<tr>" + located.map { cell(table[$0]!, row) }.joined()
                + "<td>\(rate.map { escape(Table.short($0[row])) } ?? "")</td>"
            for grid in [samples.images[row], samples.nearest[row]] {
                let uri = ImageGrid.dataURI(grid, shape: samples.shape, columns: 8, low: low, high: high)
                html += "<td><img alt=\"\" src=\"\(uri)\" style=\"image-rendering: pixelated; width: \(4 * (8 * (samples.shape[1] + 1) + 1))px\"></td>"
            }
            html += "</tr>\n"
        }
        return html + "</table>\n"
    }

    static func cell(_ column: Column, _ row: Int) -> String {
        switch column {
        case .numbers(let values): return "<td>\(escape(Table.short(values[row])))</td>"
        case .strings(let values): return "<td class=\"text\">\(escape(values[row]))</td>"
        }
    }

    /// The report's plots: the pipeline's plot stages, then every sensible
    /// plot: each metric against each numeric coordinate that
    /// varies, grouped by the coordinate with the fewest values besides it, in
    /// panels by a third coordinate that varies (up to 6 values);
    /// log axes where values are positive and span more than a decade
    /// (x) or two (y); and the main trajectories against the step.
    public static func plots(_ results: Results, limit: Int = 18) -> [PlotSpec] {
        // The pipeline's own plot stages answer its question: they come first.
        let named = pipelinePlots(results).filter { (try? Plot.build(results, $0)) != nil }
        let rule = sensiblePlots(results, limit: limit).filter { spec in
            !named.contains { $0.x == spec.x && $0.y == spec.y && $0.trajectory == spec.trajectory }
        }
        return Array((named + rule).prefix(max(limit, named.count)))
    }

    /// The plot stages of the pipeline that made the file, in the order the
    /// pipeline declares them, from its `resolved` provenance attribute.
    static func pipelinePlots(_ results: Results) -> [PlotSpec] {
        guard let resolved = results.attribute("resolved"),
              let json = try? JSONSerialization.jsonObject(with: Data(resolved.utf8)) as? [String: Any],
              let stages = json["stages"] as? [String: Any] else { return [] }
        let plots = stages.compactMap { name, value -> (position: Int, spec: PlotSpec)? in
            guard let stage = value as? [String: Any], stage["op"] as? String == "plot",
                  let parameters = stage["parameters"] as? [String: Any], let x = parameters["x"] as? String,
                  let y = parameters["y"] as? [String] else { return nil }
            var spec = PlotSpec(x: x, y: y, by: parameters["by"] as? String, logX: parameters["log_x"] as? Bool ?? false,
                                logY: parameters["log_y"] as? Bool ?? false, trajectory: parameters["trajectory"] as? Bool ?? false,
                                title: parameters["title"] as? String)
            spec.facet = parameters["facet"] as? String
            let position = resolved.range(of: "\"\(name)\":{")?.lowerBound.utf16Offset(in: resolved) ?? Int.max
            return (position, spec)
        }
        return plots.sorted { $0.position < $1.position }.map(\.spec)
    }

    /// The plots regime picks by itself (below).
    static func sensiblePlots(_ results: Results, limit: Int) -> [PlotSpec] {
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
            // A third coordinate that varies would multiply the series: small multiples instead.
            let facet = coordinates.filter { $0 != x && $0 != by && distinct($0) <= 6 }.min { distinct($0) < distinct($1) }
            for metric in metrics where specs.count < limit {
                var spec = PlotSpec(x: x, y: [metric], by: by, logX: logScale(table[x]!.numbers!, span: 20),
                                    logY: logScale(table[metric]!.numbers!, span: 100))
                spec.facet = facet
                specs.append(spec)
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
