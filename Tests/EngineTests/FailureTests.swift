import Foundation
import HDF5
import Testing
import TestSupport

@Suite("failures, bad data and the cache lock")
struct FailureTests {
    /// Runs load.yaml on a data file with the given content; returns the result.
    func runOnData(named name: String, _ content: Data) throws -> (ProcessResult, Workspace) {
        let workspace = try Workspace("load.yaml", label: "bad-data")
        try content.write(to: URL(fileURLWithPath: workspace.path(name)))
        return (try workspace.regime("run", ["--set", "data.path=\(name)"]), workspace)
    }

    func errorLines(_ result: ProcessResult) -> [String] {
        result.stderr.split(separator: "\n").map(String.init).filter { $0.hasPrefix("regime: error:") }
    }

    @Test("a CSV with a text cell: exit 2, one error line naming the file, line and column; no results file")
    func textCell() throws {
        let (result, workspace) = try runOnData(named: "data.csv", Data("a,b,y\n1,2,3\n4,five,6\n7,8,9\n10,11,12\n".utf8))
        #expect(result.status == 2)
        #expect(errorLines(result) == ["regime: error: data: \(workspace.path("data.csv")):3: column 2 ('b'): 'five' is not a number"])
        #expect(!FileManager.default.fileExists(atPath: workspace.path("results/load.h5")))
    }

    @Test("a file that is not HDF5, and a truncated HDF5 file: exit 2 and one error line each")
    func badHDF5() throws {
        let (notHDF5, first) = try runOnData(named: "data.h5", Data("x,y\n1,2\n".utf8))
        #expect(notHDF5.status == 2)
        #expect(errorLines(notHDF5) == ["regime: error: data: \(first.path("data.h5")): not an HDF5 file (no HDF5 signature)"])
        #expect(!FileManager.default.fileExists(atPath: first.path("results/load.h5")))

        let source = try TemporaryDirectory("truncated-source")
        let whole = source.file("whole.h5")
        let file = try File.create(whole)
        try file.write("X", (0..<4000).map(Double.init), shape: [1000, 4])
        try file.write("y", (0..<1000).map(Double.init))
        try file.close()
        let bytes = try Data(contentsOf: URL(fileURLWithPath: whole))
        let (truncated, second) = try runOnData(named: "data.h5", bytes.prefix(bytes.count / 2))
        #expect(truncated.status == 2)
        let lines = errorLines(truncated)
        #expect(lines.count == 1)
        #expect(lines.first?.hasPrefix("regime: error: data: \(second.path("data.h5")): H5Fopen: unable to open file") == true)
        #expect(lines.first?.contains("truncated file") == true)
        #expect(!FileManager.default.fileExists(atPath: second.path("results/load.h5")))
    }

    @Test("two runs on one cache: one proceeds, the other reports the lock; nothing is corrupted")
    func lock() throws {
        let workspace = try Workspace(label: "lock")
        let first = try workspace.start(["--jobs", "1", "--set", "fit.optimizer.steps=60000"])
        let lockFile = workspace.path(".regime/lock")
        let deadline = Date().addingTimeInterval(30)
        while ((try? String(contentsOfFile: lockFile, encoding: .utf8)) ?? "").isEmpty, Date() < deadline {
            Thread.sleep(forTimeInterval: 0.01)
        }
        let second = try workspace.regime("run", ["--set", "fit.optimizer.steps=60000"])
        #expect(second.status == 1)
        #expect(second.stderr.contains("regime: error: another regime run is using the cache \(workspace.path(".regime")) (pid \(first.processIdentifier), since "))
        first.waitUntilExit()
        #expect(first.terminationStatus == 0)
        // The first run's results are whole and equal an undisturbed run's; a rerun finds everything done.
        let reference = try Workspace(label: "lock-reference")
        #expect(try reference.regime("run", ["--set", "fit.optimizer.steps=60000"]).status == 0)
        let check = try Workspace.differences(reference.path("results/sweep.h5"), workspace.path("results/sweep.h5"))
        #expect(check.datasets > 30)
        #expect(check.different.isEmpty, "\(check.different)")
        #expect(try workspace.regime("run", ["--question", "--set", "fit.optimizer.steps=60000"]).status == 0)
    }

    @Test("a failing fit batch stops its outputs; --keep-going writes them with the failed points marked")
    func keepGoing() throws {
        let workspace = try Workspace(label: "keep-going")
        // The logistic loss needs labels ±1: these points fail, the others train.
        let arguments = ["--set", "fit.sweep.loss=[squared, logistic]", "--set", "results.path=results/r.h5"]
        let stopped = try workspace.regime("run", arguments + ["--jobs", "1"])
        #expect(stopped.status == 1)
        #expect(errorLines(stopped).count >= 1)
        #expect(errorLines(stopped).allSatisfy { $0.contains("the logistic loss needs labels −1 or +1") })
        #expect(!FileManager.default.fileExists(atPath: workspace.path("results/r.h5")))
        let kept = try workspace.regime("run", arguments + ["--keep-going"])
        #expect(kept.status == 1)
        let file = try File.open(workspace.path("results/r.h5"))
        let status = try file.openDataset("summary/status").readStrings()
        let loss = try file.openDataset("summary/loss").readStrings()
        #expect(status.count == 32 && loss.count == 32)
        #expect(zip(status, loss).allSatisfy { $0 == ($1 == "logistic" ? "failed" : "ok") })
        try file.close()
    }
}
