import Foundation
import Testing
import TestSupport

@Suite("progress reporting")
struct ProgressTests {
    func workspace() throws -> (TemporaryDirectory, String) {
        let directory = try TemporaryDirectory("progress")
        let pipeline = directory.file("sweep.yaml")
        try FileManager.default.copyItem(atPath: Paths.repository("Tests/Fixtures/pipelines/sweep.yaml").path, toPath: pipeline)
        return (directory, pipeline)
    }

    @Test("off a terminal: plain progress lines at the interval, with points, rate and ETA")
    func plainLines() throws {
        let (directory, pipeline) = try workspace()
        let result = try Subprocess.regime(["run", pipeline, "--jobs", "1", "--set", "fit.optimizer.steps=40000"],
                                           currentDirectory: directory.path,
                                           environment: ["REGIME_PROGRESS_INTERVAL": "0.1"])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stderr.split(separator: "\n").filter { $0.hasPrefix("regime: [") }
        #expect(lines.count >= 2, "\(result.stderr)")
        #expect(lines.allSatisfy { $0.range(of: #"^regime: \[\d+/16 points, \d+/\d+ units\].* elapsed"#, options: .regularExpression) != nil })
        #expect(lines.contains { $0.contains("points/s, ETA ") })
        #expect(!result.stderr.contains("\r"), "no terminal control characters off a terminal")
    }

    @Test("on a terminal: one live line rewritten in place, cleared at the end")
    func liveLine() throws {
        let (directory, pipeline) = try workspace()
        // script(1) gives the run a pseudo-terminal.
        let command = "\(Paths.regimeBinary.path) run \(pipeline) --jobs 1 --set fit.optimizer.steps=40000"
        let result = try Subprocess.run("/usr/bin/script", ["-qec", command, "/dev/null"], currentDirectory: directory.path)
        #expect(result.status == 0, "\(result.stdout)")
        // A literal search: Swift's contains compares grapheme clusters, and the
        // pseudo-terminal's \r\n forms one with what follows.
        #expect(result.stdout.range(of: "\r\u{1B}[K[", options: .literal) != nil, "the live line is redrawn in place")
        #expect(result.stdout.contains("/16 points"))
        #expect(result.stdout.contains("regime: wrote \(directory.file("results/sweep.h5"))"))
    }
}
