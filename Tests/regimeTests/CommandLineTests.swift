import Foundation
import Testing
import TestSupport

/// The built `regime` binary, run as a user runs it.
@Suite("regime command line")
struct CommandLineTests {
    @Test("--help lists the commands and documents the exit codes; --version prints the version")
    func help() throws {
        let help = try Subprocess.regime(["--help"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("convert"))
        #expect(help.stdout.contains("2 invalid pipeline or input data"))
        let version = try Subprocess.regime(["--version"])
        #expect(version.status == 0)
        #expect(version.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "0.1.0")
    }

    @Test("convert writes the CSV's HDF5 copy, which h5py reads with str attributes")
    func convert() throws {
        let dir = try TemporaryDirectory("cli-convert")
        let output = dir.file("diabetes.h5")
        let result = try Subprocess.regime(["convert", Paths.repository("data/diabetes.csv").path, "--target", "y", "-o", output])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stdout == "wrote \(output): 442 rows × 10 features\n")
        let description = try Python.json("h5_describe.py", [output])
        let datasets = try #require(description["datasets"] as? [String: [String: Any]])
        #expect(datasets["/X"]?["shape"] as? [Int] == [442, 10])
        #expect(datasets["/y"]?["shape"] as? [Int] == [442])
        #expect(datasets["/features"]?["values"] as? [String] == ["age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6"])
        let attrs = (description["groups"] as? [String: [String: Any]])?["/"]?["attrs"] as? [String: [String: Any]]
        #expect(attrs?["source"]?["type"] as? String == "str")
    }

    @Test("bad input data: exit 2 and one line naming the file and place; nothing written")
    func badData() throws {
        let dir = try TemporaryDirectory("cli-bad")
        let csv = try dir.write("bad.csv", "a,y\n1,2\n3,abc\n")
        let output = dir.file("bad.h5")
        let result = try Subprocess.regime(["convert", csv, "--target", "y", "-o", output])
        #expect(result.status == 2)
        #expect(result.stderr == "regime: error: \(csv):3: column 2 ('y'): 'abc' is not a number\n")
        #expect(!FileManager.default.fileExists(atPath: output))
        let missing = try Subprocess.regime(["convert", dir.file("none.csv"), "--target", "y"])
        #expect(missing.status == 2)
        #expect(missing.stderr == "regime: error: \(dir.file("none.csv")): no such file\n")
    }

    @Test("options before the pipeline: --force takes one stage, the pipeline stays the pipeline")
    func optionOrder() throws {
        let directory = try TemporaryDirectory("cli-order")
        let pipeline = directory.file("p.yaml")
        try FileManager.default.copyItem(atPath: Paths.repository("Tests/Fixtures/pipelines/sweep.yaml").path, toPath: pipeline)
        let run = try Subprocess.regime(["run", "--force", "fit", pipeline, "--set", "fit.optimizer.steps=50", "--quiet"])
        #expect(run.status == 0, "\(run.stderr)")
        let unknown = try Subprocess.regime(["run", "--force", "fti", pipeline])
        #expect(unknown.status == 64)
        #expect(unknown.stderr.contains("--force names no stage of the pipeline: 'fti'; did you mean 'fit'?"))
    }

    @Test("command-line usage errors exit with 64")
    func usage() throws {
        let result = try Subprocess.regime(["convert", "--no-such-option"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("Error:"))
    }
}

/// `regime doctor` on both kernel sets regime's guarantees must hold on.
@Suite("doctor")
struct DoctorTests {
    @Test("doctor names the kernels and finds 3,000 products right on both kernel sets", arguments: Subprocess.kernelSets.indices)
    func doctor(set: Int) throws {
        let (name, environment, unsetting) = Subprocess.kernelSets[set]
        let result = try Subprocess.regime(["doctor"], environment: environment, unsetting: unsetting)
        #expect(result.status == 0, "\(name): \(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("dgemm:   3000 products against long double, all within their bound"))
        let kernels = try #require(result.stdout.split(separator: "\n").first { $0.hasPrefix("kernels:") })
        if set == 0 {
            #expect(kernels.hasPrefix("kernels: Haswell (OPENBLAS_CORETYPE=Haswell)"))
        } else {
            // Never OpenBLAS's generic fallback on a CPU with AVX2.
            let flags = try String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)
            if flags.contains(" avx2 ") { #expect(!kernels.contains("kernels: Prescott"), "\(kernels)") }
        }
    }
}
