import Foundation
import Testing
import TestSupport

/// Sizes too large for the machine are refused before anything runs, with the
/// estimate and the keys to change; sizes that fit plan quickly and small.
@Suite("resources are checked before they are used")
struct ResourceTests {
    let pipeline = Paths.repository("Tests/Fixtures/pipelines/sweep.yaml").path

    func refusal(_ arguments: [String]) throws -> String {
        let result = try Subprocess.regime(arguments)
        #expect(result.status == 2, "\(result.stderr)")
        #expect(result.stdout.isEmpty)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1, "one line: \(result.stderr)")
        return result.stderr
    }

    @Test("data of n × d beyond memory: check and run refuse, naming data.n and data.d")
    func hugeData() throws {
        for command in ["check", "run"] {
            let text = try refusal([command, pipeline, "--set", "data.n=1e9", "--set", "data.d=1e5"])
            #expect(text.hasPrefix("regime: error: \(pipeline): this run needs about 6.40 PB of memory, more than the memory available ("))
            #expect(text.contains("data takes 6.40 PB (the largest instance, data, holds 1000000000 rows × 100000 features); lower data.n or data.d, or set --memory"))
        }
    }

    @Test("a trajectory of 10⁹ records: refused, naming record.every and optimizer.steps")
    func hugeTrajectory() throws {
        let text = try refusal(["check", pipeline, "--set", "fit.optimizer.steps=1e9", "--set", "fit.record.every=1"])
        #expect(text.contains("training takes"))
        #expect(text.contains("record less often (fit.record.every), train fewer steps (fit.optimizer.steps)"))
    }

    @Test("--memory lowers the limit; a bad size is a usage error")
    func memoryOption() throws {
        let text = try refusal(["check", pipeline, "--memory", "100K"])
        #expect(text.contains("more than --memory (102 kB)"))
        let bad = try Subprocess.regime(["check", pipeline, "--memory", "lots"])
        #expect(bad.status == 64)
        #expect(bad.stderr == "regime: error: --memory takes a size such as 8G or 512M, not 'lots'\n")
    }

    @Test("a sweep generator of 10⁹ values is refused where it is written")
    func hugeGenerator() throws {
        let result = try Subprocess.regime(["check", pipeline, "--set", "fit.sweep.l2={linspace: [0, 1, 1e9]}"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("error: 'linspace' would give 1000000000 values; a swept key takes at most 1000000"))
    }

    @Test("a million-point sweep checks in under 200 MB")
    func millionPoints() throws {
        let directory = try TemporaryDirectory("million")
        let path = try directory.write("big.yaml", """
        stages:
          data: {op: synthesize, n: 100, d: 50}
          fit:
            op: fit
            input: data
            model: diagonal
            sweep:
              init_scale: {logspace: [-3, 0, 1000]}
              l2: {linspace: [0, 1, 1000]}
          results: {op: write, input: fit, path: r.h5}
        """)
        let timed = try Subprocess.run("/usr/bin/time", ["-f", "%M", Paths.regimeBinary.path, "check", path])
        #expect(timed.status == 0, "\(timed.stderr)")
        #expect(timed.stdout.contains("1000000 fit points in 31250 batches; 1000002 instances in all"))
        let kilobytes = Int(timed.stderr.split(separator: "\n").last ?? "") ?? .max
        #expect(kilobytes < 200_000, "peak RSS \(kilobytes) kB")
    }
}
