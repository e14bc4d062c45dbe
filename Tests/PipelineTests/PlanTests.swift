import Foundation
import Base
import Operations
import Pipeline
import Testing
import TestSupport

/// Sweeps, point propagation and content keys, on pipelines given as text.
@Suite("sweeps and plans")
struct PlanTests {
    func plan(_ text: String, overrides: [String] = []) throws -> KeyedPlan {
        let spec = try PipelineLoader(registry: regimeOperations).parse(text: text, path: "test.yaml", directory: nil,
                                                                       overrides: overrides)
        return try KeyedPlan(Plan(spec), files: NoInputFiles())
    }

    let base = """
    seed: 5
    stages:
      data:
        op: synthesize
        n: 40
        d: 60
        sweep:
          noise: [0, 0.5]
      split: {op: split, input: data, test: 10}
      refs: {op: reference, input: split, solutions: [min_l2]}
      fit:
        op: fit
        input: split
        compare: refs
        model: diagonal
        sweep:
          init_scale: {logspace: [-2, 0, 3]}
          l2: [0, 1.0e-3]
      results: {op: write, input: fit, path: r.h5}
    """

    @Test("points propagate downstream: a fit runs per data point times its own sweep, in declaration order")
    func propagation() throws {
        let plan = try plan(base)
        let fits = plan.instances(of: "fit")
        #expect(fits.count == 12)
        #expect(fits.map { $0.coordinates.map(\.name) }.allSatisfy { $0 == ["noise", "init_scale", "l2"] })
        // The first axis varies slowest: noise, then init_scale, then l2.
        #expect(fits.prefix(4).map { $0.coordinates.map(\.value.canonical) } == [
            ["0", "0.01", "0"], ["0", "0.01", "0.001"], ["0", "0.1", "0"], ["0", "0.1", "0.001"],
        ])
        #expect(fits[6].coordinates[0].value == .number(0.5))
        // The swept values are in the parameters; nested keys by their path.
        #expect(fits[3].parameters["init_scale"] == .number(0.1))
        #expect(fits[3].parameters["l2"] == .number(0.001))
        // compare: pairs each fit with the refs instance of its own data point.
        for fit in fits {
            let refs = plan.instances[fit.inputs("compare")[0]]
            #expect(refs.coordinates == Array(fit.coordinates.prefix(1)))
        }
        // The write gathers every point.
        #expect(plan.instances(of: "results")[0].inputs("input") == fits.map(\.index))
    }

    @Test("linspace, logspace, range, zip, repeat and dotted keys")
    func generators() throws {
        let plan = try plan("""
        stages:
          data:
            op: synthesize
            n: 40
            d: 60
          fit:
            op: fit
            input: data
            sweep:
              optimizer.lr: {linspace: [0.1, 0.3, 3]}
              zip:
                l2: {range: [0, 0.3, 0.1]}
                l1: [1, 2, 3]
              repeat: 2
        """)
        let fits = plan.instances(of: "fit")
        #expect(fits.count == 3 * 3 * 2)
        #expect(fits[0].coordinates.map(\.name) == ["optimizer.lr", "l2", "l1", "rep"])
        let lrs = Set(fits.map { $0.parameters[path: "optimizer.lr"]!.number! })
        #expect(lrs == [0.1, 0.2, 0.3])
        #expect(fits.map { $0.coordinates[1].value.number! }.prefix(6) == [0, 0, 0.1, 0.1, 0.2, 0.2])
        #expect(fits.map { $0.coordinates[2].value.number! }.prefix(6) == [1, 1, 2, 2, 3, 3])
        #expect(fits.map { $0.coordinates[3].value.number! }.prefix(4) == [0, 1, 0, 1])
        // Repeats differ only in their random stream, which enters the key of a fit.
        #expect(fits[0].key != fits[1].key)
        #expect(fits[0].parameters == fits[1].parameters)
        let logspace = try self.plan("""
        stages:
          data: {op: synthesize, n: 10, d: 5, sweep: {noise: {logspace: [-2, 1, 4]}}}
        """).instances(of: "data").map { $0.parameters["noise"]!.number! }
        #expect(logspace == [0.01, 0.1, 1, 10])
    }

    @Test("k folds add a fold coordinate; a key swept by two stages is qualified by its stage")
    func foldsAndNames() throws {
        let plan = try plan("""
        stages:
          data: {op: synthesize, n: 40, d: 5, sweep: {repeat: 2}}
          split: {op: split, input: data, folds: 3}
          fit: {op: fit, input: split, sweep: {repeat: 2}}
        """)
        #expect(plan.instances(of: "split").count == 6)
        #expect(plan.instances(of: "split").map { $0.coordinates.map(\.name) }.first == ["rep", "fold"])
        #expect(plan.instances(of: "fit").first?.coordinates.map(\.name) == ["rep", "fold", "fit.rep"])
    }

    @Test("content keys: stable across runs and formatting, changed exactly where a value changes")
    func keys() throws {
        let first = try plan(base), second = try plan(base)
        #expect(first.instances.map(\.key) == second.instances.map(\.key))
        // The same values written differently give the same keys.
        let reformatted = try plan(base.replacingOccurrences(of: "l2: [0, 1.0e-3]", with: "l2: [0.0, 0.001]")
            .replacingOccurrences(of: "n: 40\n    d: 60", with: "d: 60\n    n: 40"))
        // (Outputs also hash the pipeline text they record as provenance.)
        #expect(reformatted.instances.filter { $0.stage != "results" }.map(\.key)
                == first.instances.filter { $0.stage != "results" }.map(\.key))
        #expect(reformatted.instances(of: "results")[0].key != first.instances(of: "results")[0].key)
        // One changed sweep value: its data instance and everything below it change, nothing else.
        let changed = try plan(base, overrides: ["data.sweep.noise=[0, 0.7]"])
        let differing = zip(first.instances, changed.instances).filter { $0.key != $1.key }.map { $0.0.identity }
        #expect(differing.count == 1 + 1 + 1 + 6 + 1)
        #expect(differing.allSatisfy { $0.contains("noise=0.5") || $0 == "results" })
        // The seed changes the keys of ops that draw random numbers, not of deterministic ones.
        let reseeded = try plan(base, overrides: ["seed=6"])
        for (a, b) in zip(first.instances, reseeded.instances) {
            let random = ["data", "split", "fit"].contains(a.stage)
            #expect((a.key != b.key) == (random || a.stage == "refs" || a.stage == "results"), "\(a.identity)")
            // A deterministic stage's key sees the seed only through its inputs:
            // every other part it hashes is the same under the new seed.
            if !random {
                #expect(a.parts.stream == "" && b.parts.stream == "", "\(a.identity) hashes a random stream")
                #expect(a.parts.numerics == b.parts.numerics && a.parts.parameters == b.parts.parameters
                        && a.parts.files == b.parts.files, "\(a.identity)")
            } else {
                #expect(a.parts.stream != b.parts.stream, "\(a.identity)")
            }
        }
    }

    @Test("values: one canonical form whatever the spelling")
    func canonical() {
        #expect(Value.number(1).canonical == "1")
        #expect(Value.number(1e-4).canonical == "0.0001")
        #expect(Value.number(0.1 + 0.2).canonical == "0.30000000000000004")
        var map = ValueMap()
        map["b"] = .number(2)
        map["a"] = .list([.string("x\"y"), .bool(true), .null])
        #expect(Value.map(map).canonical == "{\"a\":[\"x\\\"y\",true,null],\"b\":2}")
        var nested = ValueMap()
        nested[path: "optimizer.lr"] = .number(0.5)
        #expect(nested[path: "optimizer.lr"] == .number(0.5))
        #expect(nested["optimizer"]?.map?["lr"] == .number(0.5))
    }

    @Test("--set overrides reach nested keys, create missing ones, and replace sweeps")
    func overrides() throws {
        let plan = try plan(base, overrides: ["fit.optimizer.steps=7", "fit.sweep.l2=[0.5]", "seed=9", "data.truth.k=2"])
        #expect(plan.spec.seed == 9)
        #expect(plan.instances(of: "fit").count == 6)
        #expect(plan.instances(of: "fit").allSatisfy { $0.parameters[path: "optimizer.steps"] == .number(7) })
        #expect(plan.instances(of: "data")[0].parameters[path: "truth.k"] == .number(2))
        #expect(plan.spec.overrides == ["fit.optimizer.steps=7", "fit.sweep.l2=[0.5]", "seed=9", "data.truth.k=2"])
    }

    @Test("--set of a dotted sweep key sets that key; into a generator the sweep has, the generator")
    func dottedSweepOverrides() throws {
        let text = """
        stages:
          data: {op: synthesize, n: 40, d: 60}
          fit: {op: fit, input: data, sweep: {optimizer.lr: [0.1, 0.2], l2: {logspace: [-3, 0, 4]}}}
          results: {op: write, input: fit, path: r.h5}
        """
        let plan = try plan(text, overrides: ["fit.sweep.optimizer.lr=[0.05, 0.1, 0.2]", "fit.sweep.l2.logspace=[-2, 0, 3]"])
        let fits = plan.instances(of: "fit")
        #expect(fits.count == 9)
        #expect(Set(fits.compactMap { $0.parameters[path: "optimizer.lr"]?.number }) == [0.05, 0.1, 0.2])
        #expect(Set(fits.compactMap { $0.parameters["l2"]?.number }).count == 3)
    }

    @Test("a 1,000-point sweep: every point has a key of its own")
    func largeSweep() throws {
        let plan = try plan("""
        stages:
          data: {op: synthesize, n: 40, d: 60}
          fit: {op: fit, input: data, model: diagonal, sweep: {init_scale: {logspace: [-3, 0, 25]}, l2: {linspace: [0, 0.01, 40]}}}
          results: {op: write, input: fit, path: r.h5}
        """)
        #expect(plan.instances(of: "fit").count == 1000)
        #expect(Set(plan.instances.map(\.key)).count == plan.instances.count)
    }
}

/// For pipelines that read no files: asking for a digest is a test failure.
struct NoInputFiles: InputFileDigests {
    struct Unexpected: Error {}
    func digest(of path: String) throws -> SHA256Digest { throw Unexpected() }
}

@Suite("outputs never overwrite inputs")
struct OutputCheckTests {
    @Test("a symbolic link, a hard link and a relative detour to the input are the input")
    func aliases() throws {
        let directory = try TemporaryDirectory("aliases")
        let data = try directory.write("data.csv", "x,y\n1,2\n3,4\n5,7\n")
        try FileManager.default.createSymbolicLink(atPath: directory.file("link.csv"), withDestinationPath: data)
        try FileManager.default.linkItem(atPath: data, toPath: directory.file("hard.csv"))
        try FileManager.default.createDirectory(atPath: directory.file("sub"), withIntermediateDirectories: true)
        for alias in ["link.csv", "hard.csv", "sub/../data.csv", "./data.csv"] {
            let text = """
            stages:
              data: {op: load, path: data.csv, target: y}
              fit: {op: fit, input: data}
              table: {op: export, input: fit, path: \(alias)}
            """
            let error = #expect(throws: PipelineError.self) {
                try PipelineLoader(registry: regimeOperations).parse(text: text, path: directory.file("p.yaml"), directory: directory.path)
            }
            #expect(error?.diagnostics.map(\.message) == ["'path' of stage 'table' names '\(alias)', which stage 'data' reads ('path'); writing it would overwrite the input"],
                    "\(alias)")
        }
        // Another file in the same directory is fine.
        _ = try PipelineLoader(registry: regimeOperations).parse(text: """
            stages:
              data: {op: load, path: data.csv, target: y}
              fit: {op: fit, input: data}
              table: {op: export, input: fit, path: table.csv}
            """, path: directory.file("p.yaml"), directory: directory.path)
    }
}

@Suite("YAML front end regressions")
struct YAMLRegressionTests {
    static var files: [String] {
        let directory = Paths.repository("Tests/Fixtures/fuzz/regressions/yaml").path
        return ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
            .filter { $0.hasSuffix(".yaml") }.sorted().map { directory + "/" + $0 }
    }

    @Test("deep nesting and alias bombs are refused with a diagnostic, not a crash", arguments: Self.files)
    func reproducer(path: String) throws {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let error = #expect(throws: PipelineError.self) {
            try PipelineLoader(registry: regimeOperations).parse(text: text, path: path, directory: nil)
        }
        let messages = error?.diagnostics.map(\.message) ?? []
        #expect(messages.contains { $0.contains("nest deeper than 64 levels") || $0.contains("expands to more than") }, "\(messages)")
    }
}
