import Foundation
import Testing
import TestSupport

@Suite("regime run: results, cache, reruns")
struct RunTests {
    @Test("the results file has the layout of docs/results-format.md as h5py, xarray and pandas read it")
    func resultsContract() throws {
        let workspace = try Workspace()
        let run = try workspace.regime()
        #expect(run.status == 0, "\(run.stderr)")
        // The CLI set OpenBLAS to one thread per job, and OpenBLAS says so.
        #expect(run.stderr.contains(" job") && run.stderr.contains(" × 1 BLAS thread (OpenBLAS "), "\(run.stderr)")
        let seen = try Python.json("results_check.py", [workspace.path("results/sweep.h5"), workspace.path("results/sweep.csv")])
        let attrs = try #require(seen["attrs"] as? [String: String])
        for name in ["regime_version", "name", "pipeline", "created", "resolved", "regime_key", "blas", "hdf5_version"] {
            #expect(attrs[name] == "str", "\(name) reads as \(attrs[name] ?? "nothing")")
        }
        #expect(attrs["seed"] == "int64")
        #expect(seen["members"] as? [String] == ["point", "feature", "weights", "truth", "references", "trajectories", "summary"])
        #expect(seen["summary"] as? [String] == [
            "point", "rho", "init_scale", "l2", "status", "stop", "converged", "steps", "lr", "time", "objective", "train_mse", "test_mse",
            "l1_norm", "l2_norm", "dist_truth", "population_risk", "dist_min_l2", "dist_min_l1", "dist_ridge",
            "support_precision", "support_recall",
        ])
        let roles = try #require(seen["roles"] as? [String: String])
        #expect(roles["rho"] == "coordinate" && roles["init_scale"] == "coordinate" && roles["l2"] == "coordinate")
        #expect(["status", "stop", "converged", "steps", "lr", "time"].allSatisfy { roles[$0] == "outcome" })
        #expect(roles.filter { $0.value == "metric" }.count == 12 && roles["train_mse"] == "metric")
        let shapes = try #require(seen["shapes"] as? [String: [Int]])
        #expect(shapes["weights"] == [16, 120])
        #expect(shapes["truth"] == [16, 120], "two data points: a truth row per point")
        #expect(shapes["references/min_l2"] == [16, 120])
        #expect(shapes["references/ridge"] == [16, 120], "ridge matched to each point's l2")
        #expect(shapes["trajectories/step"] == [31])
        #expect(shapes["trajectories/train_mse"] == [16, 31])
        #expect(seen["nan_after_stop"] as? Bool == true)
        #expect((seen["status"] as? [String])?.count == 16)
        #expect((seen["status"] as? [String])?.allSatisfy { $0 == "ok" } == true)
        #expect(seen["csv_matches"] as? Bool == true, "the CSV export equals the HDF5 summary")
        #expect(seen["xarray_summary_dims"] as? [String] == ["point"])
        #expect(seen["xarray_trajectory_dims"] as? [String] == ["point", "step"])
        #expect(seen["xarray_root_dims"] as? [String] == ["point", "feature"])
    }

    @Test("an unchanged rerun writes nothing; --question says 0 then 1 once an output is touched")
    func noOpRerun() throws {
        let workspace = try Workspace()
        #expect(try workspace.regime().status == 0)
        let results = workspace.path("results/sweep.h5"), table = workspace.path("results/sweep.csv")
        func modified(_ path: String) throws -> Date {
            try FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as! Date
        }
        let before = (try modified(results), try modified(table))
        Thread.sleep(forTimeInterval: 0.05)
        let rerun = try workspace.regime()
        #expect(rerun.status == 0)
        #expect(rerun.stderr == "regime: sweep: up to date\n")
        #expect(try modified(results) == before.0 && modified(table) == before.1)
        #expect(try workspace.regime("run", ["--question"]).status == 0)
        let dry = try workspace.regime("run", ["--dry-run"])
        #expect(dry.stdout == "sweep: up to date; nothing would run\n")
        // A modified output is stale; so is a deleted one.
        try Data("changed".utf8).write(to: URL(fileURLWithPath: table))
        #expect(try workspace.regime("run", ["--question"]).status == 1)
        #expect(try workspace.regime("run", ["--dry-run"]).stdout == "table  output modified since regime wrote it\nwould run 1 instance: table 1\n")
        #expect(try workspace.regime().status == 0)
        #expect(try workspace.regime("run", ["--question"]).status == 0)
    }

    @Test("changing one sweep value recomputes exactly the instances below it (counted)")
    func exactRecomputation() throws {
        let workspace = try Workspace()
        #expect(try workspace.regime().status == 0)
        let change = ["--set", "data.sweep.rho=[0, 0.7]"]
        let dry = try workspace.regime("run", change + ["--dry-run"])
        #expect(dry.stdout.hasSuffix("would run 13 instances: data 1, split 1, refs 1, fit 8, results 1, table 1\n"))
        #expect(dry.stdout.split(separator: "\n").filter { $0.contains("rho=0.7") }.count == 11)
        let run = try workspace.regime("run", change + ["--trace", "trace.jsonl"])
        #expect(run.status == 0, "\(run.stderr)")
        let trace = try workspace.trace("trace.jsonl")
        #expect(trace.filter { $0.kind == "instance" }.map(\.stage).sorted() == ["data", "refs", "split"])
        #expect(trace.filter { $0.kind == "batch" }.count == 2)
        #expect(trace.filter { $0.kind == "batch" }.reduce(0) { $0 + $1.points } == 8)
        #expect(trace.filter { $0.kind == "output" }.map(\.stage).sorted() == ["results", "table"])
        // And back: everything is cached again.
        #expect(try workspace.regime().stderr.contains("computed") == false)
    }

    @Test("--force recomputes one stage and rewrites the outputs below it")
    func force() throws {
        let workspace = try Workspace()
        #expect(try workspace.regime().status == 0)
        let run = try workspace.regime("run", ["--force", "refs", "--trace", "trace.jsonl"])
        #expect(run.status == 0)
        let trace = try workspace.trace("trace.jsonl")
        // The references read the data, which is recomputed (never cached); the fits stay cached.
        #expect(trace.map(\.stage).sorted() == ["data", "data", "refs", "refs", "results", "split", "split", "table"])
        let bad = try workspace.regime("run", ["--force", "rfs"])
        #expect(bad.status == 64)
        #expect(bad.stderr.contains("--force names no stage of the pipeline: 'rfs'; did you mean 'refs'?"))
    }

    @Test("with --jobs 2 units overlap in time and still start only after their inputs")
    func parallelism() throws {
        let workspace = try Workspace()
        let run = try workspace.regime("run", ["--jobs", "2", "--trace", "trace.jsonl", "--set", "fit.optimizer.steps=40000"])
        #expect(run.status == 0, "\(run.stderr)")
        let trace = try workspace.trace("trace.jsonl")
        let byUnit = Dictionary(uniqueKeysWithValues: trace.map { ($0.unit, $0) })
        for entry in trace {
            for dependency in entry.dependencies {
                #expect(entry.start >= byUnit[dependency]!.end, "unit \(entry.unit) started before its input \(dependency) ended")
            }
        }
        let overlapping = trace.contains { a in trace.contains { b in a.unit < b.unit && a.start < b.end && b.start < a.end } }
        #expect(overlapping, "no two units ran at the same time")
        // At most two at once.
        var events: [(time: Double, change: Int)] = []
        for entry in trace {
            events.append((entry.start, 1))
            events.append((entry.end, -1))
        }
        events.sort { a, b in a.time < b.time || (a.time == b.time && a.change < b.change) }
        var running = 0, most = 0
        for event in events {
            running += event.change
            most = max(most, running)
        }
        #expect(most <= 2)
    }
}
