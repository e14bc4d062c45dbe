import Foundation
import Testing
import TestSupport

/// docs/analysis.md's code, run as written in the test virtualenv against a
/// fresh (scaled-down) run of the kernel-rich study.
@Suite("docs/analysis.md")
struct AnalysisDocTests {
    @Test("its Python runs as written: pandas, xarray dimensions, the aggregated view, a matplotlib plot")
    func runs() throws {
        let directory = try TemporaryDirectory("analysis-doc")
        try FileManager.default.createDirectory(atPath: directory.file("results"), withIntermediateDirectories: true)
        let run = try Subprocess.regime([
            "run", Paths.repository("pipelines/kernel-rich.yaml").path, "--cache", directory.file("cache"), "--quiet",
            "--set", "data.n=240", "--set", "data.d=120", "--set", "split.test=200", "--set", "fit.sweep.depth=[2, 3]",
            "--set", "fit.sweep.init_scale={logspace: [-2, 0, 4]}",
            "--set", "results.path=\(directory.file("results/kernel-rich.h5"))",
            "--set", "transition.path=\(directory.file("transition.svg"))",
        ])
        #expect(run.status == 0, "\(run.stderr)")
        let script = Paths.repository("Tests/interop/run_markdown.py").path
        let result = try Subprocess.run(Python.interpreter, [script, Paths.repository("docs/analysis.md").path],
                                        currentDirectory: directory.path)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("('depth', 'init_scale')"), "\(result.stdout)")
        #expect(result.stdout.contains("('point', 'step')"))
        #expect(FileManager.default.fileExists(atPath: directory.file("transition.png")))
    }
}
