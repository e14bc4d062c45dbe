import Foundation
import HDF5
@testable import Report
import ResultsFormat
import Testing
import TestSupport

/// A small results file written the way regime writes one, for the report tests.
func writeResults(_ path: String) throws {
    let file = try File.create(path)
    try file.setAttribute("name", "toy")
    try file.setAttribute("regime_version", "0.1.0")
    try file.setAttribute("pipeline", "version: 1\nstages: {}\n")
    let summary = try file.createGroup("summary")
    try summary.write("point", (0..<8).map { Int64($0) })
    try summary.write("init_scale", [0.01, 0.01, 0.1, 0.1, 1, 1, 10, 10])
    try summary.write("rep", [0.0, 1, 0, 1, 0, 1, 0, 1])
    try summary.writeStrings("model", ["diagonal", "diagonal", "diagonal", "diagonal", "diagonal", "diagonal", "diagonal", "diagonal"])
    try summary.writeStrings("status", Array(repeating: "ok", count: 8))
    try summary.writeStrings("stop", Array(repeating: "steps", count: 8))
    try summary.write("steps", [Double](repeating: 100, count: 8))
    try summary.write("lr", [Double](repeating: 0.1, count: 8))
    try summary.write("test_mse", [0.1, 0.3, 0.5, 0.7, 0.9, 1.1, 1.0, 1.2])
    try summary.write("dist_min_l1", [0.01, 0.02, 0.2, 0.3, 0.8, 0.9, 0.95, .nan])
    let trajectories = try file.createGroup("trajectories")
    try trajectories.write("step", [Int64(0), 50, 100])
    try trajectories.write("test_mse", (0..<24).map { Double(24 - $0) / 10 }, shape: [8, 3])
    try file.close()
}

@Suite("tables, CSV and axes")
struct TableTests {
    @Test("a results file reads back: provenance, summary, coordinates, metrics, trajectories")
    func reading() throws {
        let dir = try TemporaryDirectory("report-read")
        try writeResults(dir.file("r.h5"))
        let results = try Results(contentsOf: dir.file("r.h5"))
        #expect(results.attribute("name") == "toy")
        #expect(results.summary.rows == 8)
        #expect(results.coordinateNames == ["init_scale", "rep", "model"])
        #expect(results.metricNames == ["test_mse", "dist_min_l1"])
        #expect(results.steps == [0, 50, 100])
        #expect(results.trajectory("test_mse")?[1] == [2.1, 2.0, 1.9])
        let notResults = try dir.write("x.h5", "no")
        #expect(throws: HDF5Error.self) { try Results(contentsOf: notResults) }
    }

    @Test("filters compare numbers numerically and text exactly; sorting is stable with NaN last; text is aligned")
    func filterSortText() throws {
        let dir = try TemporaryDirectory("report-table")
        try writeResults(dir.file("r.h5"))
        let table = try Results(contentsOf: dir.file("r.h5")).summary
        #expect(try table.filtered(["init_scale=1e-1"]).rows == 2)
        #expect(try table.filtered(["model=diagonal", "rep=1"]).rows == 4)
        #expect(throws: ReportError.self) { try table.filtered(["lamda=1"]) }
        let sorted = try table.sorted(by: "dist_min_l1", descending: true)
        #expect(sorted["dist_min_l1"]!.numbers!.prefix(2) == [0.95, 0.9])
        #expect(sorted["dist_min_l1"]!.numbers!.last!.isNaN)
        let text = try table.filtered(["rep=0"]).text(columns: ["init_scale", "model", "test_mse"])
        #expect(text == """
        init_scale  model     test_mse
              0.01  diagonal       0.1
               0.1  diagonal       0.5
                 1  diagonal       0.9
                10  diagonal         1
        """)
    }

    @Test("CSV: the summary with quoting and empty NaN; trajectories in long format until a stop")
    func csv() throws {
        var table = Table()
        table.append("name", .strings(["a,b", "say \"x\""]))
        table.append("value", .numbers([0.5, .nan]))
        #expect(CSV.summary(table) == "name,value\n\"a,b\",0.5\n\"say \"\"x\"\"\",\n")
        let results = Results(path: "t", attributes: [], summary: {
            var t = Table()
            t.append("l2", .numbers([0, 0.1]))
            t.append("status", .strings(["ok", "ok"]))
            t.append("lr", .numbers([1, 1]))
            t.append("train_mse", .numbers([1, 2]))
            return t
        }(), roles: ["l2": .coordinate, "status": .outcome, "lr": .outcome, "train_mse": .metric],
                              steps: [0, 10], trajectories: [("train_mse", [[3, 1], [4, .nan]])])
        #expect(CSV.trajectories(results) == "point,l2,step,train_mse\n0,0,0,3\n0,0,10,1\n1,0.1,0,4\n")
    }

    @Test("ticks: 1-2-5 steps on linear axes, decades on log axes")
    func ticks() {
        let linear = Axis(values: [0, 0.96], logarithmic: false, from: 0, to: 100)
        #expect(linear.ticks == [0, 0.2, 0.4, 0.6000000000000001, 0.8])
        let log = Axis(values: [1e-3, 3], logarithmic: true, from: 0, to: 100)
        #expect(log.ticks == [1e-3, 1e-2, 1e-1, 1])
        #expect(log.label(1e-3) == "10⁻³" && log.label(1) == "1" && log.label(10) == "10")
        let narrow = Axis(values: [2, 30], logarithmic: true, from: 0, to: 100)
        #expect(narrow.ticks == [2, 5, 10, 20])
        // train_mse against d over 10⁻²⁹ … 10⁻¹: every 4th decade, at most 8 labels.
        let wide = Axis(values: [1e-29, 0.1], logarithmic: true, from: 0, to: 100)
        #expect(wide.ticks.count <= 8 && wide.ticks.count >= 5, "\(wide.ticks)")
        #expect(wide.ticks.map { Int(log10($0).rounded()) } == [-28, -24, -20, -16, -12, -8, -4])
    }
}

@Suite("what a reader sees: unconverged points, every row")
struct ReaderTests {
    /// 400 points: init_scale × rep, with every 10th point stopped by its budget (converged 0).
    func results() -> Results {
        var table = Table()
        let rows = 0..<400
        table.append("init_scale", .numbers(rows.map { Double($0 / 4 + 1) }))
        table.append("rep", .numbers(rows.map { Double($0 % 4) }))
        table.append("status", .strings(rows.map { _ in "ok" }))
        table.append("converged", .numbers(rows.map { $0 % 10 == 3 ? 0 : 1 }))
        table.append("test_mse", .numbers(rows.map { $0 % 10 == 3 ? 100 : Double($0 / 4 + 1) }))
        return Results(path: "many.h5", attributes: [("name", "many")], summary: table,
                       roles: ["init_scale": .coordinate, "rep": .replicate, "status": .outcome, "converged": .outcome,
                               "test_mse": .metric], steps: [], trajectories: [])
    }

    @Test("unconverged points are hollow, apart from the means, counted in the legend and the heading; every row is in the report")
    func unconverged() throws {
        let results = results()
        let svg = try Plot.svg(results, PlotSpec(x: "init_scale", y: ["test_mse"]))
        #expect(svg.components(separatedBy: "class=\"unconverged\"").count - 1 == 40)
        #expect(svg.contains("not converged (40)"))
        // The line is the mean of the converged points alone: y = x exactly, never pulled towards 100.
        let series = try Plot.build(results, PlotSpec(x: "init_scale", y: ["test_mse"]))
        #expect(series[0].points.allSatisfy { $0.mean == $0.x })
        var all = PlotSpec(x: "init_scale", y: ["test_mse"])
        all.includeUnconverged = true
        #expect(try Plot.build(results, all)[0].points.contains { $0.mean > $0.x })
        let html = HTMLReport.render(results)
        #expect(html.contains("40 not converged"))
        #expect(html.components(separatedBy: "<tr class=\"unconverged\">").count - 1 == 40)
        let collapsed = html[html.range(of: "<details>")!.lowerBound..<html.range(of: "</details>")!.lowerBound]
        #expect(collapsed.components(separatedBy: "<tr").count - 2 == 400)
        // The aggregated table: 100 groups of init_scale, n counting the converged points.
        #expect(html.contains("Aggregated over replicates and folds"))
    }
}

@Suite("small multiples")
struct FacetTests {
    @Test("facet: one panel per value on shared axes; the report facets by a third varying coordinate")
    func facets() throws {
        var table = Table()
        let rows = 0..<24
        table.append("init_scale", .numbers(rows.map { [0.01, 0.1, 1, 10][$0 % 4] }))
        table.append("l2", .numbers(rows.map { [0, 0.1, 1][($0 / 4) % 3] }))
        table.append("depth", .numbers(rows.map { Double(2 + $0 / 12) }))
        table.append("test_mse", .numbers(rows.map { Double($0 + 1) }))
        let results = Results(path: "f.h5", attributes: [], summary: table,
                              roles: ["init_scale": .coordinate, "l2": .coordinate, "depth": .coordinate, "test_mse": .metric],
                              steps: [], trajectories: [])
        var spec = PlotSpec(x: "init_scale", y: ["test_mse"], by: "l2")
        spec.facet = "depth"
        let svg = try Plot.svg(results, spec)
        #expect(svg.contains(">depth = 2<") && svg.contains(">depth = 3<"))
        #expect(svg.components(separatedBy: "<svg").count - 1 == 3, "a figure holding two panels")
        #expect(svg.components(separatedBy: "<polyline").count - 1 == 6, "three l2 series in each panel")
        spec.facet = "nosuch"
        #expect(throws: ReportError.self) { try Plot.svg(results, spec) }
        let planned = HTMLReport.plots(results)
        #expect(planned.first?.x == "init_scale" && planned.first?.by == "depth" && planned.first?.facet == "l2", "\(planned.first!)")
        // The pipeline's plot stages (from the file's resolved provenance) come first, in the pipeline's order.
        let resolved = #"{"seed":1,"stages":{"fit":{"op":"fit","parameters":{}},"# +
            #""second":{"op":"plot","parameters":{"x":"l2","y":["test_mse"],"by":"depth","log_x":false,"log_y":true,"trajectory":false}},"# +
            #""first":{"op":"plot","parameters":{"x":"init_scale","y":["test_mse"],"facet":"depth","log_x":true,"log_y":false,"trajectory":false}}}}"#
        let named = Results(path: "f.h5", attributes: [("resolved", resolved)], summary: table, roles: results.roles,
                            steps: [], trajectories: [])
        let ordered = HTMLReport.plots(named)
        #expect(ordered.count == 2, "the rule's test_mse against init_scale is the pipeline's own: not drawn twice")
        #expect(ordered[0].x == "l2" && ordered[0].by == "depth" && ordered[0].logY)
        #expect(ordered[1].x == "init_scale" && ordered[1].facet == "depth" && ordered[1].logX)
    }
}

@Suite("plots and reports, rendered by real renderers")
struct RenderTests {
    func check(_ png: String) throws -> [String: Any] {
        try Python.json("image_check.py", [png])
    }

    @Test("an SVG plot renders with rsvg-convert into a drawn, coloured image")
    func svgRenders() throws {
        let dir = try TemporaryDirectory("plot-render")
        try writeResults(dir.file("r.h5"))
        let results = try Results(contentsOf: dir.file("r.h5"))
        let svg = try Plot.svg(results, PlotSpec(x: "init_scale", y: ["test_mse", "dist_min_l1"], logX: true))
        #expect(svg.contains("test_mse, dist_min_l1 against init_scale — toy"))
        #expect(svg.contains("<polygon"), "a band over rep")
        let file = try dir.write("plot.svg", svg)
        let rendered = try Subprocess.run("/usr/bin/env", ["rsvg-convert", file, "-o", dir.file("plot.png")])
        #expect(rendered.status == 0, "rsvg-convert: \(rendered.stderr)")
        let image = try check(dir.file("plot.png"))
        #expect(image["width"] as? Int == 760 && image["height"] as? Int == 460)
        #expect((image["ink"] as? Double ?? 0) > 0.02)
        #expect((image["colours"] as? Int ?? 0) >= 4)
        let trajectory = try Plot.svg(results, PlotSpec(x: "step", y: ["test_mse"], trajectory: true))
        #expect(trajectory.contains("<polyline"))
        #expect(throws: ReportError.self) { try Plot.svg(results, PlotSpec(x: "init_scal", y: ["test_mse"])) }
        #expect(throws: ReportError.self) { try Plot.svg(results, PlotSpec(x: "model", y: ["test_mse"])) }
    }

    @Test("the HTML report is self-contained; in headless Chromium its first screen holds a plot, not a table; every point is in the collapsed table")
    func htmlRenders() throws {
        let dir = try TemporaryDirectory("report-render")
        try writeResults(dir.file("r.h5"))
        let results = try Results(contentsOf: dir.file("r.h5"))
        let html = HTMLReport.render(results)
        // Plots, then the aggregated table, then every point inside <details>, then the pipeline.
        let order = ["<svg", "Aggregated over replicates and folds", "<details>", "<h3>Pipeline</h3>"].map { html.range(of: $0)?.lowerBound }
        #expect(order.allSatisfy { $0 != nil } && order.map { $0! } == order.map { $0! }.sorted(), "the report's sections are out of order")
        let collapsed = html[html.range(of: "<details>")!.lowerBound..<html.range(of: "</details>")!.lowerBound]
        #expect(collapsed.components(separatedBy: "<tr").count - 2 == results.summary.rows, "every point, not the first 300")
        #expect(!html.contains("http://") || html.components(separatedBy: "http://").count == html.components(separatedBy: "http://www.w3.org/2000/svg").count)
        #expect(!html.contains("<script") && !html.contains("<link"))
        #expect(html.contains("<svg"))
        let page = try dir.write("report.html", html)
        let shot = dir.file("report.png")
        // The first screen of a laptop: 1280 × 800.
        let chromium = try Subprocess.run("/usr/bin/env", ["chromium", "--headless", "--no-sandbox", "--disable-gpu",
                                                            "--screenshot=\(shot)", "--window-size=1280,800", "file://\(page)"])
        #expect(chromium.status == 0, "chromium: \(chromium.stderr.suffix(500))")
        let image = try check(shot)
        #expect(image["width"] as? Int == 1280)
        #expect((image["ink"] as? Double ?? 0) > 0.02)
        #expect((image["colours"] as? Int ?? 0) >= 4, "plots in colour")
        #expect((image["series"] as? Double ?? 0) > 0.0005, "a plotted series on the first screen: \(image)")
        // 400 points, which used to open on a 300-row table: the first screen is a plot still.
        let many = try dir.write("many.html", HTMLReport.render(ReaderTests().results()))
        let manyShot = dir.file("many.png")
        let second = try Subprocess.run("/usr/bin/env", ["chromium", "--headless", "--no-sandbox", "--disable-gpu",
                                                         "--screenshot=\(manyShot)", "--window-size=1280,800", "file://\(many)"])
        #expect(second.status == 0, "chromium: \(second.stderr.suffix(500))")
        let manyImage = try check(manyShot)
        #expect((manyImage["series"] as? Double ?? 0) > 0.0005, "a plotted series on the first screen: \(manyImage)")
    }
}
