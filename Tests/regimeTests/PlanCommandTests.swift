import Foundation
import Testing
import TestSupport

@Suite("check and dag")
struct PlanCommandTests {
    let pipeline = Paths.repository("Tests/Fixtures/pipelines/sweep.yaml").path

    @Test("check prints the stages, their instances and sweeps, and the number of fits")
    func check() throws {
        let result = try Subprocess.regime(["check", pipeline])
        #expect(result.status == 0)
        #expect(result.stdout == """
        \(pipeline): valid (sweep, seed 3)
        stage    op          instances  sweep
        data     synthesize          2  rho (2)
        split    split               2
        refs     reference           2
        fit      fit                16  init_scale × l2 (4 × 2)
        results  write               1  gathers 16 points
        table    export              1  gathers 16 points
        16 fit points in 4 batches; 24 instances in all
        memory: about 765 kB at most (data: the largest instance, data, holds 60 rows × 120 features)

        """)
        let overridden = try Subprocess.regime(["check", pipeline, "--set", "fit.sweep.l2={linspace: [0, 1, 5]}"])
        #expect(overridden.stdout.contains("fit      fit                40  init_scale × l2 (4 × 5)"))
    }

    @Test("dag prints the graph as text, and as DOT that Graphviz renders")
    func dag() throws {
        let text = try Subprocess.regime(["dag", pipeline])
        #expect(text.stdout == """
        data     synthesize  ×2
        split    split       ×2  ← data
        refs     reference   ×2  ← split
        fit      fit         ×16  ← split, refs (compare)
        results  write       ×1  ← fit
        table    export      ×1  ← fit

        """)
        let dot = try Subprocess.regime(["dag", pipeline, "--dot"])
        #expect(dot.status == 0)
        #expect(dot.stdout.contains("\"refs\" -> \"fit\" [label=\"compare\", style=dashed];"))
        let directory = try TemporaryDirectory("dot")
        let source = try directory.write("dag.dot", dot.stdout)
        let rendered = try Subprocess.run("/usr/bin/env", ["dot", "-Tsvg", source, "-o", directory.file("dag.svg")])
        #expect(rendered.status == 0, "dot: \(rendered.stderr)")
        let svg = try String(contentsOfFile: directory.file("dag.svg"), encoding: .utf8)
        #expect(svg.contains("<svg"))
        for stage in ["data", "split", "refs", "fit", "results", "table"] { #expect(svg.contains(">\(stage)<")) }
        #expect(svg.components(separatedBy: "class=\"edge\"").count - 1 == 6)
    }
}
