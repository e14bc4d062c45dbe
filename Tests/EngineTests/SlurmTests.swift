import Foundation
import Testing
import TestSupport

/// `regime slurm` and `regime status` on a real Slurm: the single-node cluster
/// `make test` runs beside the tests (scripts/test-with-slurm.sh). One test at
/// a time, each leaving the queue empty. The tests poll the cache and the
/// queue themselves (`sbatch --wait` polls every 32 s).
@Suite("Slurm: job arrays on a real cluster", .serialized)
struct SlurmTests {
    /// Runs `body` with the cluster; afterwards cancels whatever the test left queued.
    func inCluster(_ body: (SlurmCluster) throws -> Void) throws {
        let cluster = try SlurmCluster.current()
        defer {
            _ = try? cluster.client("scancel", ["--user=root"])
            try? wait("the queue to empty", seconds: 30) { try queueIsEmpty(cluster) }
        }
        try body(cluster)
    }

    /// Runs `regime <command> pipeline.yaml <arguments>` against `cluster`.
    func regime(_ workspace: Workspace, _ cluster: SlurmCluster, _ command: String, _ arguments: [String] = []) throws -> ProcessResult {
        try workspace.regime(command, arguments, environment: cluster.environment)
    }

    /// Polls `condition` every 0.5 s until it holds; fails the test after `seconds`.
    func wait(_ what: String, seconds: Double = 240, _ condition: () throws -> Bool) throws {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try condition() { return }
            Thread.sleep(forTimeInterval: 0.5)
        }
        throw SlurmCluster.Failure(description: "timed out after \(Int(seconds)) s waiting for \(what)")
    }

    /// The rows of `regime status`: shard → (state, job).
    func shardStates(_ status: ProcessResult) -> [Int: (state: String, job: String)] {
        var rows: [Int: (String, String)] = [:]
        for line in status.stdout.split(separator: "\n").dropFirst(2) {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            if fields.count >= 3, let shard = Int(fields[0]) { rows[shard] = (fields[1], fields[2]) }
        }
        return rows
    }

    func queueIsEmpty(_ cluster: SlurmCluster) throws -> Bool {
        try cluster.client("squeue", ["-h", "-o", "%i"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
    }

    @Test("--shards 4 on a 40-point sweep: the array and the gathering job finish, status says done, results bit-identical to a local run")
    func shardsAndGather() throws {
        try inCluster { cluster in
            let workspace = try Workspace("slurm.yaml", label: "slurm")
            let submitted = try regime(workspace, cluster, "slurm", ["--shards", "4"])
            #expect(submitted.status == 0, "\(submitted.stderr)")
            #expect(submitted.stdout.contains("submitted array job"))
            // A second submission while the first is queued would compute everything twice: refused.
            let twice = try regime(workspace, cluster, "slurm", ["--shards", "4"])
            #expect(twice.status == 1 && twice.stderr.contains("is still queued"), "\(twice.stderr)")
            try wait("the gathering job to write the results") {
                let written = FileManager.default.fileExists(atPath: workspace.path("results/slurm.h5"))
                return try written && queueIsEmpty(cluster)
            }
            let status = try regime(workspace, cluster, "status")
            #expect(status.status == 0, "\(status.stdout)\(status.stderr)")
            #expect(status.stdout.contains("4 done") && status.stdout.contains("40 of 40 points done"), "\(status.stdout)")
            // The scripts and job ids are in the cache.
            let records = try FileManager.default.subpathsOfDirectory(atPath: workspace.path(".regime/slurm"))
            for name in ["submission-1/array.sh", "submission-1/gather.sh", "submission-1/jobs", "tasks/1.start", "tasks/4.exit"] {
                #expect(records.contains { $0.hasSuffix(name) }, "\(name) in \(records)")
            }
            let jobs = try #require(records.first { $0.hasSuffix("submission-1/jobs") })
            let ids = try String(contentsOfFile: workspace.path(".regime/slurm/" + jobs), encoding: .utf8)
            #expect(ids.contains("shards 4\n") && ids.contains("array ") && ids.contains("gather "), "\(ids)")
            #expect(shardStates(status).values.allSatisfy { $0.state == "done" })

            let local = try Workspace("slurm.yaml", label: "slurm-local")
            #expect(try local.regime("run", ["--quiet"]).status == 0)
            #expect(try ResultsFiles.differences(workspace.path("results/slurm.h5"), local.path("results/slurm.h5")).isEmpty)
        }
    }

    @Test("scancel one running task: status shows it missing, the gathering job does not run, --resubmit completes it with identical results")
    func cancelAndResubmit() throws {
        try inCluster { cluster in
            let workspace = try Workspace("slurm.yaml", label: "slurm-cancel")
            let longer = ["--set", "fit.optimizer.steps=150000"]
            #expect(try regime(workspace, cluster, "slurm", ["--shards", "4"] + longer).status == 0)
            var job = ""
            try wait("shard 2 to run") {
                let row = shardStates(try regime(workspace, cluster, "status", longer))[2]
                job = row?.job ?? ""
                return row?.state == "running"
            }
            #expect(try cluster.client("scancel", [job]).status == 0)
            try wait("the other shards to finish") {
                let rows = shardStates(try regime(workspace, cluster, "status", longer))
                return rows.count == 4 && rows.values.allSatisfy { $0.state != "running" && $0.state != "pending" }
            }
            let status = try regime(workspace, cluster, "status", longer)
            #expect(status.status == 1)
            let rows = shardStates(status)
            #expect(rows[2]?.state == "missing", "\(status.stdout)")
            #expect([1, 3, 4].allSatisfy { rows[$0]?.state == "done" }, "\(status.stdout)")
            // The gathering job waited for the whole array: it never ran.
            try wait("the gathering job to leave the queue", seconds: 60) { try queueIsEmpty(cluster) }
            #expect(!FileManager.default.fileExists(atPath: workspace.path("results/slurm.h5")))

            let again = try regime(workspace, cluster, "slurm", ["--resubmit"] + longer)
            #expect(again.status == 0, "\(again.stderr)")
            #expect(again.stdout.contains("shard 2 of 4"), "\(again.stdout)")
            try wait("the resubmitted shard and the new gathering job") {
                let written = FileManager.default.fileExists(atPath: workspace.path("results/slurm.h5"))
                return try written && queueIsEmpty(cluster)
            }
            #expect(try regime(workspace, cluster, "status", longer).status == 0)

            let local = try Workspace("slurm.yaml", label: "slurm-cancel-local")
            #expect(try local.regime("run", ["--quiet"] + longer).status == 0)
            #expect(try ResultsFiles.differences(workspace.path("results/slurm.h5"), local.path("results/slurm.h5")).isEmpty)
        }
    }

    @Test("--print writes two scripts sbatch --test-only accepts, with the slurm block's options, and submits nothing")
    func printedScripts() throws {
        try inCluster { cluster in
            let workspace = try Workspace("slurm.yaml", label: "slurm-print")
            var text = try String(contentsOfFile: workspace.pipeline, encoding: .utf8)
            text += "slurm: {shards: 3, partition: debug, time: \"0:10:00\", cpus_per_task: 2, sbatch_args: [--nice=10]}\n"
            try text.write(toFile: workspace.pipeline, atomically: true, encoding: .utf8)
            let printed = try regime(workspace, cluster, "slurm", ["--print", "--time", "0:20:00"])
            #expect(printed.status == 0, "\(printed.stderr)")
            let parts = printed.stdout.components(separatedBy: "# ---- the gathering job")
            try #require(parts.count == 2)
            let array = parts[0], gather = parts[1].drop { $0 != "\n" }.dropFirst()
            #expect(array.contains("#SBATCH --array=0-2") && array.contains("--shard \"$shard/3\"") && array.contains("--jobs 2"))
            #expect(array.contains("#SBATCH --partition=debug") && array.contains("#SBATCH --time=0:20:00") && array.contains("#SBATCH --nice=10"))
            for (name, script) in [("array.sh", array), ("gather.sh", String(gather))] {
                let path = workspace.path(name)
                try script.write(toFile: path, atomically: true, encoding: .utf8)
                let check = try cluster.client("sbatch", ["--test-only", path])
                #expect(check.status == 0, "\(name): \(check.stderr)")
            }
            #expect(try queueIsEmpty(cluster))
        }
    }

    @Test("shards that fail: status says failed with regime's exit code and the log, and the gathering job does not run")
    func failingShards() throws {
        try inCluster { cluster in
            let workspace = try Workspace("load.yaml", label: "slurm-fail")
            // Values of 1e200: XᵀX overflows and the automatic step size is 0 — a failure at training time.
            var rows = ["a,b,y"]
            for i in 1...12 { rows.append("\(i)e200,\(i + 1)e200,\(i)") }
            try (rows.joined(separator: "\n") + "\n").write(toFile: workspace.path("data.csv"), atomically: true, encoding: .utf8)
            let sets = ["--set", "data.path=data.csv", "--set", "fit.sweep={init_scale: [0.1, 0.2, 0.3, 0.4]}", "--set", "batch_width=1"]
            let submitted = try regime(workspace, cluster, "slurm", ["--shards", "2"] + sets)
            #expect(submitted.status == 0, "\(submitted.stderr)")
            try wait("both shards to end") {
                let rows = shardStates(try regime(workspace, cluster, "status", sets))
                return rows.count == 2 && rows.values.allSatisfy { $0.state == "failed" }
            }
            let status = try regime(workspace, cluster, "status", sets)
            #expect(status.status == 1)
            #expect(status.stdout.contains("regime exited with 1; log: "), "\(status.stdout)")
            try wait("the gathering job to leave the queue", seconds: 60) { try queueIsEmpty(cluster) }
            let outputs = (try? FileManager.default.contentsOfDirectory(atPath: workspace.path("results"))) ?? []
            #expect(outputs.isEmpty, "the gathering job wrote \(outputs)")
            let logs = try FileManager.default.subpathsOfDirectory(atPath: workspace.path(".regime/slurm"))
                .filter { $0.hasSuffix(".out") && $0.contains("shard-0") }
            let log = try String(contentsOfFile: workspace.path(".regime/slurm/" + logs[0]), encoding: .utf8)
            #expect(log.contains("step size"), "\(log)")
        }
    }

    @Test("the gathering job refused after the array was queued: the array is cancelled again, nothing stays queued, exit 1")
    func halfSubmission() throws {
        try inCluster { cluster in
            let workspace = try Workspace("slurm.yaml", label: "slurm-half")
            // An sbatch that queues the first job (the array) and refuses the second.
            let bin = workspace.path("bin")
            try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
            let count = workspace.path("sbatch-calls")
            let fake = "#!/bin/bash\necho x >> \(count)\nif [ $(wc -l < \(count)) -ge 2 ]; then echo 'sbatch: error: injected refusal' >&2; exit 1; fi\nexec /usr/bin/sbatch \"$@\"\n"
            try fake.write(toFile: bin + "/sbatch", atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: bin + "/sbatch")
            var environment = cluster.environment
            environment["PATH"] = bin + ":/usr/bin:/bin"
            let result = try workspace.regime("slurm", ["--shards", "2"], environment: environment)
            #expect(result.status == 1)
            #expect(result.stderr.contains("injected refusal") && result.stderr.contains("was cancelled again: nothing stays queued"), "\(result.stderr)")
            try wait("the cancelled array to leave the queue", seconds: 30) { try queueIsEmpty(cluster) }
        }
    }

    @Test("no sbatch, and an unknown partition: exit 1 naming the command and its stderr; nothing stays queued")
    func badSubmissions() throws {
        let workspace = try Workspace("slurm.yaml", label: "slurm-bad")
        let missing = try workspace.regime("slurm", ["--shards", "2"], environment: ["PATH": "/nonexistent"])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("cannot run sbatch") && missing.stderr.contains("sbatch: not found on the PATH"), "\(missing.stderr)")
        try inCluster { cluster in
            let refused = try regime(workspace, cluster, "slurm", ["--shards", "2", "--partition", "nosuch"])
            #expect(refused.status == 1)
            #expect(refused.stderr.contains("sbatch --parsable") && refused.stderr.contains("nvalid partition"), "\(refused.stderr)")
            #expect(try queueIsEmpty(cluster))
            // An unknown key in the slurm block is the pipeline's error, at its line.
            var text = try String(contentsOfFile: workspace.pipeline, encoding: .utf8)
            text += "slurm: {partitoin: debug}\n"
            try text.write(toFile: workspace.pipeline, atomically: true, encoding: .utf8)
            let invalid = try regime(workspace, cluster, "slurm", ["--shards", "2"])
            #expect(invalid.status == 2)
            #expect(invalid.stderr.contains("unknown key 'partitoin'"), "\(invalid.stderr)")
        }
    }
}
