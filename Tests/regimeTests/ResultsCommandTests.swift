import Foundation
import Testing
import TestSupport

@Suite("show, export, plot and report")
struct ResultsCommandTests {
    /// A finished run of the engine fixture.
    func finishedRun() throws -> (TemporaryDirectory, String) {
        let directory = try TemporaryDirectory("results-commands")
        let pipeline = directory.file("sweep.yaml")
        try FileManager.default.copyItem(atPath: Paths.repository("Tests/Fixtures/pipelines/sweep.yaml").path, toPath: pipeline)
        let run = try Subprocess.regime(["run", pipeline, "--quiet"])
        guard run.status == 0 else { throw Python.Failure(description: run.stderr) }
        return (directory, directory.file("results/sweep.h5"))
    }

    @Test("show: provenance, then the table filtered, sorted and with chosen columns")
    func show() throws {
        let (directory, results) = try finishedRun()
        defer { withExtendedLifetime(directory) {} }
        let all = try Subprocess.regime(["show", results])
        #expect(all.status == 0, "\(all.stderr)")
        let lines = all.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines[0] == "\(results): sweep, 16 points")
        #expect(lines[1].hasPrefix("  regime 0.1.0, seed 3, created 20"))
        #expect(lines.contains { $0.hasPrefix("rho  init_scale     l2  status  converged  steps    train_mse") }, "\(lines)")
        let picked = try Subprocess.regime(["show", results, "--where", "rho=0.5", "--where", "l2=0", "--sort", "init_scale",
                                            "--descending", "--columns", "init_scale,status,steps", "--limit", "3"])
        #expect(picked.stdout.hasSuffix("""
          4 of 16 rows where rho=0.5, l2=0

        init_scale  status  steps
                 1  ok       3000
          0.215443  ok       3000
         0.0464159  ok       3000
        … 1 more rows

        """))
        let badColumn = try Subprocess.regime(["show", results, "--sort", "lamda"])
        #expect(badColumn.status == 64)
        #expect(badColumn.stderr.hasPrefix("regime: error: no column 'lamda' to sort by"))
        let missing = try Subprocess.regime(["show", results + ".nope"])
        #expect(missing.status == 2)
        #expect(missing.stderr == "regime: error: \(results).nope: no such file\n")
    }

    @Test("export: the same CSV as the pipeline's export op; trajectories in long format")
    func export() throws {
        let (directory, results) = try finishedRun()
        let output = directory.file("cli.csv")
        #expect(try Subprocess.regime(["export", results, "-o", output]).status == 0)
        #expect(try String(contentsOfFile: output, encoding: .utf8) == String(contentsOfFile: directory.file("results/sweep.csv"), encoding: .utf8))
        let long = try Subprocess.regime(["export", results, "--trajectories"])
        let rows = long.stdout.split(separator: "\n")
        #expect(rows.first?.hasPrefix("point,rho,init_scale,l2,step,objective,train_mse,test_mse") == true)
        #expect(rows.count == 1 + 16 * 31)
    }

    @Test("plot and report write files the renderers accept; a bad column is a usage error")
    func plotAndReport() throws {
        let (directory, results) = try finishedRun()
        let plot = try Subprocess.regime(["plot", results, "--x", "init_scale", "--y", "test_mse", "--by", "l2", "--log-x",
                                          "-o", directory.file("p.svg")])
        #expect(plot.status == 0)
        #expect(plot.stdout == "wrote \(directory.file("p.svg"))\n")
        let rendered = try Subprocess.run("/usr/bin/env", ["rsvg-convert", directory.file("p.svg"), "-o", directory.file("p.png")])
        #expect(rendered.status == 0)
        let trajectory = try Subprocess.regime(["plot", results, "--trajectory", "train_mse", "--by", "rho", "--log-y"])
        #expect(trajectory.stdout == "wrote \(directory.file("results/sweep-train_mse.svg"))\n")
        let bad = try Subprocess.regime(["plot", results, "--x", "alpha", "--y", "test_mse"])
        #expect(bad.status == 64)
        #expect(bad.stderr.contains("no column 'alpha'"))
        let usage = try Subprocess.regime(["plot", results, "--x", "init_scale"])
        #expect(usage.status == 64)
        let report = try Subprocess.regime(["report", results])
        #expect(report.status == 0)
        let html = try String(contentsOfFile: directory.file("results/sweep.html"), encoding: .utf8)
        #expect(html.contains("Aggregated over replicates and folds") && html.contains("<details>") && html.components(separatedBy: "<svg").count > 5)
    }

    @Test("an output named like the results file it reads is refused; a full disk names the file and the reason")
    func outputsNeverOverwrite() throws {
        let (directory, results) = try finishedRun()
        let before = try Data(contentsOf: URL(fileURLWithPath: results))
        for command in [["export", results, "-o", results], ["report", results, "-o", directory.file("results/../results/sweep.h5")],
                        ["plot", results, "--x", "init_scale", "--y", "test_mse", "-o", results]] {
            let refused = try Subprocess.regime(command)
            #expect(refused.status == 64, "\(command)")
            #expect(refused.stderr.hasSuffix("is the results file being read; choose another output name\n"))
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: results)) == before)
        try Tmpfs.with(kilobytes: 8) { mount in
            let full = try Subprocess.regime(["report", results, "-o", mount + "/r.html"])
            #expect(full.status == 1)
            #expect(full.stderr == "regime: error: \(mount)/r.html: cannot write: No space left on device\n")
            #expect(full.stdout.isEmpty, "no 'wrote' line")
        }
    }
}
