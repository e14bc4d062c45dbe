import Foundation
import ResultsFormat

/// What to plot from a results file.
public struct PlotSpec: Sendable, Equatable {
    /// A summary column (numeric) for a final-metric plot; ignored for trajectories.
    public var x: String
    /// One or more metrics (several share the axes and become series).
    public var y: [String]
    /// A summary column whose values become series.
    public var by: String?
    public var logX = false
    public var logY = false
    /// Plot the recorded trajectories of `y` against the step instead.
    public var trajectory = false
    public var title: String?
    /// Average points that did not converge (status not ok, or converged 0)
    /// into the lines too; by default they are drawn apart, hollow.
    public var includeUnconverged = false
    /// A coordinate whose values each get a panel of their own (small
    /// multiples, side by side, on shared axes).
    public var facet: String?

    public init(x: String, y: [String], by: String? = nil, logX: Bool = false, logY: Bool = false,
                trajectory: Bool = false, title: String? = nil) {
        self.x = x
        self.y = y
        self.by = by
        self.logX = logX
        self.logY = logY
        self.trajectory = trajectory
        self.title = title
    }
}

/// One line of a plot: points (x, mean y) with the spread over repeats, and
/// the values of points left out of the line (not converged, diverged, failed).
struct Series {
    var label: String
    var points: [(x: Double, mean: Double, sd: Double, count: Int)]
    var apart: [(x: Double, y: Double)] = []
}

/// SVG plots of results. A final-metric plot draws a metric against a swept
/// coordinate, one series per value of `by` (and of any other coordinate that
/// varies), each point the mean over `rep` and `fold` with a ±1 standard
/// deviation band. Points that did not converge (status other than ok, or
/// `converged` 0: a budget ended them before the rule they asked for) are
/// drawn apart as hollow markers and left out of the means, unless the spec
/// includes them.
/// A trajectory plot draws the recorded metric against the step the same way.
/// Plain SVG 1.1 (lines, paths, text), so every renderer shows it.
public enum Plot {
    public static let width = 760.0, height = 460.0
    static let palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
                          "#bcbd22", "#17becf"]

    public static func svg(_ results: Results, _ spec: PlotSpec) throws -> String {
        let xLabel = spec.trajectory ? "step" : spec.x
        let yLabel = spec.y.joined(separator: ", ")
        let name = results.attribute("name").map { " — \($0)" } ?? ""
        let title = spec.title ?? (spec.trajectory ? "\(yLabel) during training" : "\(yLabel) against \(spec.x)") + name
        guard let facet = spec.facet else {
            return render(try build(results, spec), title: title, xLabel: xLabel, yLabel: yLabel, logX: spec.logX, logY: spec.logY)
        }
        // Small multiples: one panel per value of the facet, on the axes of all of them.
        let table = results.summary
        guard let column = table[facet] else {
            throw ReportError("no column '\(facet)' to facet by (coordinates: \(results.coordinateNames.joined(separator: ", ")))")
        }
        var values: [String] = []
        for row in 0..<table.rows where !values.contains(column.text(row)) { values.append(column.text(row)) }
        if column.numbers != nil { values.sort { (Double($0) ?? 0) < (Double($1) ?? 0) } }
        var inner = spec
        inner.facet = nil
        let panels = try values.map { value -> (String, [Series]) in
            let rows = (0..<table.rows).filter { column.text($0) == value }
            return ("\(facet) = \(value)", try build(results.selecting(rows: rows), inner))
        }
        let all = panels.flatMap(\.1)
        let xs = all.flatMap { $0.points.map(\.x) + $0.apart.map(\.x) }
        let ys = all.flatMap { $0.points.flatMap { [$0.mean - $0.sd, $0.mean + $0.sd] } + $0.apart.map(\.y) }
        let perRow = min(panels.count, 3), rowsOfPanels = (panels.count + perRow - 1) / perRow
        var svg = """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width) * perRow)" height="\(Int(height) * rowsOfPanels + 30)" viewBox="0 0 \(Int(width) * perRow) \(Int(height) * rowsOfPanels + 30)" font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="12">
        <rect x="0" y="0" width="\(Int(width) * perRow)" height="\(Int(height) * rowsOfPanels + 30)" fill="#ffffff"/>
        <text x="\(f(width * Double(perRow) / 2))" y="20" text-anchor="middle" font-size="16" font-weight="bold">\(escape(title))</text>

        """
        for (index, panel) in panels.enumerated() {
            let x = Double(index % perRow) * width, y = 30 + Double(index / perRow) * height
            // Each panel a nested <svg> placed at its cell.
            let panelSVG = render(panel.1, title: panel.0, xLabel: xLabel, yLabel: yLabel, logX: spec.logX, logY: spec.logY,
                                  sharedX: xs, sharedY: ys, clip: "area\(index)")
            svg += "<svg x=\"\(f(x))\" y=\"\(f(y))\"" + panelSVG.dropFirst("<svg xmlns=\"http://www.w3.org/2000/svg\"".count)
        }
        return svg + "</svg>\n"
    }

    /// The series of a plot, grouped and averaged.
    static func build(_ results: Results, _ spec: PlotSpec) throws -> [Series] {
        let table = results.summary
        for y in spec.y {
            if spec.trajectory {
                guard results.trajectory(y) != nil else {
                    throw ReportError("no trajectory '\(y)' (trajectories: \(results.trajectories.map(\.metric).joined(separator: ", ")))")
                }
            } else {
                guard let column = table[y] else {
                    throw ReportError("no column '\(y)' (metrics: \(results.metricNames.joined(separator: ", ")))")
                }
                guard column.numbers != nil else { throw ReportError("'\(y)' holds text, not numbers") }
            }
        }
        var xValues: [Double] = []
        if !spec.trajectory {
            guard let column = table[spec.x] else {
                throw ReportError("no column '\(spec.x)' (coordinates: \(results.coordinateNames.joined(separator: ", ")))")
            }
            guard let numbers = column.numbers else { throw ReportError("'\(spec.x)' holds text; x needs numbers") }
            xValues = numbers
        }
        if let by = spec.by, table[by] == nil {
            throw ReportError("no column '\(by)' to group by (coordinates: \(results.coordinateNames.joined(separator: ", ")))")
        }
        // Series: by, and any other coordinate that varies, except the ones
        // averaged over (rep, fold).
        let isRep = results.isReplicate
        var keys = [spec.by].compactMap { $0 }
        for name in results.coordinateNames where name != spec.x && name != spec.by && !isRep(name) {
            if Set((0..<table.rows).map { table[name]!.text($0) }).count > 1 { keys.append(name) }
        }
        var groups: [(label: String, rows: [Int])] = []
        for row in 0..<table.rows {
            let label = keys.map { key in key + " = " + table[key]!.text(row) }.joined(separator: ", ")
            if let index = groups.firstIndex(where: { $0.label == label }) { groups[index].rows.append(row) } else { groups.append((label, [row])) }
        }
        var series: [Series] = []
        for metric in spec.y {
            for group in groups {
                var label = group.label
                if spec.y.count > 1 || label.isEmpty { label = label.isEmpty ? metric : "\(metric), \(label)" }
                var buckets: [Double: [Double]] = [:]
                var apart: [(x: Double, y: Double)] = []
                if spec.trajectory {
                    let rows = results.trajectory(metric)!
                    for (position, step) in results.steps.enumerated() {
                        for row in group.rows {
                            let value = rows[row][position]
                            if value.isFinite { buckets[Double(step), default: []].append(value) }
                        }
                    }
                } else {
                    let values = table[metric]!.numbers!
                    for row in group.rows where values[row].isFinite && xValues[row].isFinite {
                        if !spec.includeUnconverged && !Plot.converged(table, row) {
                            apart.append((xValues[row], values[row]))
                        } else {
                            buckets[xValues[row], default: []].append(values[row])
                        }
                    }
                }
                let points = buckets.keys.sorted().map { x -> (x: Double, mean: Double, sd: Double, count: Int) in
                    let values = buckets[x]!
                    let (mean, sd, _) = Aggregation.statistics(values)
                    return (x, mean, sd.isNaN ? 0 : sd, values.count)  // one value: no band
                }
                series.append(Series(label: label, points: points, apart: apart))
            }
        }
        return series
    }

    /// Whether a summary row trained to what it asked for: status ok and not
    /// `converged` 0 (files without the column count every ok point).
    public static func converged(_ table: Table, _ row: Int) -> Bool {
        if let status = table[ResultsLayout.Outcome.status], status.text(row) != "ok" { return false }
        if let converged = table[ResultsLayout.Outcome.converged]?.numbers, converged[row] == 0 { return false }
        return true
    }

    static func render(_ series: [Series], title: String, xLabel: String, yLabel: String, logX: Bool, logY: Bool,
                       sharedX: [Double]? = nil, sharedY: [Double]? = nil, clip: String = "area") -> String {
        let left = 78.0, right = 200.0, top = 44.0, bottom = 58.0
        let plotRight = width - right, plotBottom = height - bottom
        let xs = sharedX ?? series.flatMap { $0.points.map(\.x) + $0.apart.map(\.x) }
        let ys = (sharedY ?? series.flatMap { $0.points.flatMap { [$0.mean - $0.sd, $0.mean + $0.sd] } + $0.apart.map(\.y) })
            .filter { !logY || $0 > 0 }
        let xAxis = Axis(values: xs, logarithmic: logX, from: left, to: plotRight)
        let yAxis = Axis(values: ys.isEmpty ? series.flatMap { $0.points.map(\.mean) } : ys, logarithmic: logY,
                         from: plotBottom, to: top)
        var svg = """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" viewBox="0 0 \(Int(width)) \(Int(height))" font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="12">
        <rect x="0" y="0" width="\(Int(width))" height="\(Int(height))" fill="#ffffff"/>
        <text x="\(f((left + plotRight) / 2))" y="24" text-anchor="middle" font-size="15" font-weight="bold">\(escape(title))</text>

        """
        // Grid and ticks.
        for tick in xAxis.ticks {
            let x = xAxis.position(tick)
            svg += "<line x1=\"\(f(x))\" y1=\"\(f(top))\" x2=\"\(f(x))\" y2=\"\(f(plotBottom))\" stroke=\"#e5e5e5\"/>\n"
            svg += "<text x=\"\(f(x))\" y=\"\(f(plotBottom + 18))\" text-anchor=\"middle\">\(escape(xAxis.label(tick)))</text>\n"
        }
        for tick in yAxis.ticks {
            let y = yAxis.position(tick)
            svg += "<line x1=\"\(f(left))\" y1=\"\(f(y))\" x2=\"\(f(plotRight))\" y2=\"\(f(y))\" stroke=\"#e5e5e5\"/>\n"
            svg += "<text x=\"\(f(left - 8))\" y=\"\(f(y + 4))\" text-anchor=\"end\">\(escape(yAxis.label(tick)))</text>\n"
        }
        svg += "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(plotRight - left))\" height=\"\(f(plotBottom - top))\" fill=\"none\" stroke=\"#333333\"/>\n"
        svg += "<text x=\"\(f((left + plotRight) / 2))\" y=\"\(f(height - 16))\" text-anchor=\"middle\" font-size=\"13\">\(escape(xLabel))\(logX ? " (log)" : "")</text>\n"
        svg += "<text transform=\"translate(20 \(f((top + plotBottom) / 2))) rotate(-90)\" text-anchor=\"middle\" font-size=\"13\">\(escape(yLabel))\(logY ? " (log)" : "")</text>\n"

        // Bands, then lines and markers, clipped to the plot area.
        svg += "<defs><clipPath id=\"\(clip)\"><rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(plotRight - left))\" height=\"\(f(plotBottom - top))\"/></clipPath></defs>\n"
        svg += "<g clip-path=\"url(#\(clip))\">\n"
        for (index, line) in series.enumerated() {
            let color = palette[index % palette.count]
            let points = line.points.filter { xAxis.contains($0.x) && yAxis.contains($0.mean) }
            if points.contains(where: { $0.count > 1 && $0.sd > 0 }) {
                let upper = points.map { "\(f(xAxis.position($0.x))),\(f(yAxis.position($0.mean + $0.sd)))" }
                let lower = points.reversed().map { point -> String in
                    let low = point.mean - point.sd
                    let y = yAxis.contains(low) ? yAxis.position(low) : yAxis.start
                    return "\(f(xAxis.position(point.x))),\(f(y))"
                }
                svg += "<polygon points=\"\((upper + lower).joined(separator: " "))\" fill=\"\(color)\" fill-opacity=\"0.18\" stroke=\"none\"/>\n"
            }
            let path = points.map { "\(f(xAxis.position($0.x))),\(f(yAxis.position($0.mean)))" }.joined(separator: " ")
            if points.count > 1 {
                svg += "<polyline points=\"\(path)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\"/>\n"
            }
            if points.count <= 60 {
                for point in points {
                    svg += "<circle cx=\"\(f(xAxis.position(point.x)))\" cy=\"\(f(yAxis.position(point.mean)))\" r=\"3\" fill=\"\(color)\"/>\n"
                }
            }
            for point in line.apart where xAxis.contains(point.x) && yAxis.contains(point.y) {
                svg += "<circle class=\"unconverged\" cx=\"\(f(xAxis.position(point.x)))\" cy=\"\(f(yAxis.position(point.y)))\" r=\"4.5\" fill=\"#ffffff\" stroke=\"\(color)\" stroke-width=\"1.8\"/>\n"
            }
        }
        svg += "</g>\n"

        // Legend.
        let shown = min(series.count, 16)
        for index in 0..<shown {
            let y = top + 10 + Double(index) * 18
            let color = palette[index % palette.count]
            svg += "<line x1=\"\(f(plotRight + 14))\" y1=\"\(f(y))\" x2=\"\(f(plotRight + 36))\" y2=\"\(f(y))\" stroke=\"\(color)\" stroke-width=\"3\"/>\n"
            svg += "<text x=\"\(f(plotRight + 42))\" y=\"\(f(y + 4))\">\(escape(String(series[index].label.prefix(26))))</text>\n"
        }
        let apart = series.reduce(0) { $0 + $1.apart.count }
        if apart > 0 {
            let y = top + 14 + Double(shown + (series.count > shown ? 1 : 0)) * 18
            svg += "<circle cx=\"\(f(plotRight + 25))\" cy=\"\(f(y - 4))\" r=\"4.5\" fill=\"#ffffff\" stroke=\"#555555\" stroke-width=\"1.8\"/>\n"
            svg += "<text x=\"\(f(plotRight + 42))\" y=\"\(f(y))\">not converged (\(apart))</text>\n"
        }
        if series.count > shown {
            svg += "<text x=\"\(f(plotRight + 14))\" y=\"\(f(top + 14 + Double(shown) * 18))\">… \(series.count - shown) more</text>\n"
        }
        if series.allSatisfy({ $0.points.isEmpty && $0.apart.isEmpty }) {
            svg += "<text x=\"\(f((left + plotRight) / 2))\" y=\"\(f((top + plotBottom) / 2))\" text-anchor=\"middle\">no finite values to plot</text>\n"
        }
        return svg + "</svg>\n"
    }

    static func f(_ x: Double) -> String { String(format: "%.1f", x) }
}

extension Results {
    /// The same file restricted to some summary rows (and their trajectories).
    func selecting(rows: [Int]) -> Results {
        Results(path: path, attributes: attributes, summary: summary.selecting(rows), roles: roles, steps: steps,
                trajectories: trajectories.map { entry in (entry.metric, rows.map { entry.values[$0] }) })
    }
}

extension Plot {

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
