import Foundation
import Testing
import TestSupport

/// `regime show --aggregate` against pandas and SciPy, and `regime diff`.
@Suite("show --aggregate and diff")
struct AggregateDiffTests {
    /// A run of the engine fixture with `overrides`, in its own directory.
    func run(_ label: String, _ overrides: [String]) throws -> (TemporaryDirectory, String) {
        let directory = try TemporaryDirectory(label)
        let pipeline = directory.file("sweep.yaml")
        try FileManager.default.copyItem(atPath: Paths.repository("Tests/Fixtures/pipelines/sweep.yaml").path, toPath: pipeline)
        let run = try Subprocess.regime(["run", pipeline, "--quiet"] + overrides.flatMap { ["--set", $0] })
        guard run.status == 0 else { throw Python.Failure(description: run.stderr) }
        return (directory, directory.file("results/sweep.h5"))
    }

    @Test("--aggregate: per combination of the coordinates, n, mean, sd and the t interval, as pandas and SciPy compute them")
    func aggregate() throws {
        let (directory, results) = try run("aggregate", ["data.sweep.repeat=3", "fit.optimizer.steps=300"])
        defer { withExtendedLifetime(directory) {} }
        let shown = try Subprocess.regime(["show", results, "--aggregate", "--columns", "test_mse"])
        #expect(shown.status == 0, "\(shown.stderr)")
        let lines = shown.stdout.split(separator: "\n").map(String.init)
        let header = try #require(lines.firstIndex { $0.hasPrefix("rho  init_scale") })
        #expect(lines[header].split(separator: " ").map(String.init) == ["rho", "init_scale", "l2", "n", "test_mse", "test_mse_sd", "test_mse_ci95"])
        let rows = lines[(header + 1)...].map { $0.split(separator: " ").compactMap { Double($0) } }
        let reference = try Python.json("aggregate_check.py", [results, "test_mse"])
        let groups = try #require(reference["groups"] as? [[String: Any]])
        #expect(rows.count == 16 && groups.count == 16)
        for (row, group) in zip(rows, groups) {
            #expect(row[3] == 3 && (group["n"] as? Int) == 3)
            for (index, name) in [(4, "mean"), (5, "sd"), (6, "ci95")] {
                let expected = try #require(Python.double(group[name]))
                // show prints 6 significant digits.
                #expect(abs(row[index] - expected) <= 1e-5 * abs(expected), "\(name): \(row[index]) vs \(expected)")
            }
        }
    }

    @Test("diff: a file against itself agrees (exit 0); another seed differs in provenance and values, largest first (exit 1); a tolerance")
    func diff() throws {
        let (first, a) = try run("diff-a", ["fit.optimizer.steps=300"])
        let (second, b) = try run("diff-b", ["fit.optimizer.steps=300", "seed=4"])
        defer { withExtendedLifetime((first, second)) {} }
        let same = try Subprocess.regime(["diff", a, a])
        #expect(same.status == 0 && same.stdout.contains("values: all") && same.stdout.contains("agree exactly"), "\(same.stdout)")
        let other = try Subprocess.regime(["diff", a, b, "--limit", "3"])
        #expect(other.status == 1)
        #expect(other.stdout.contains("seed: 3 → 4"), "\(other.stdout)")
        #expect(other.stdout.contains("points: 16 in both, 0 only in the first, 0 only in the second"))
        let lines = other.stdout.split(separator: "\n").map(String.init)
        let header = try #require(lines.firstIndex { $0.hasPrefix("point") })
        let relative = lines[(header + 1)...].compactMap { $0.split(separator: " ").last.flatMap { Double($0) } }
        #expect(relative.count == 3 && relative == relative.sorted(by: >), "\(relative)")
        // Within a tolerance no smaller than the largest relative change, the files agree on values.
        let loose = try Subprocess.regime(["diff", a, b, "--tolerance", "1"])
        #expect(loose.status == 0, "\(loose.stdout)")
    }
}
