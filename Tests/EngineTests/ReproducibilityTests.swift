import Foundation
import Testing
import TestSupport

/// Same pipeline and seed → bit-identical datasets, whatever --jobs, --shard or a kill.
@Suite("reproducibility")
struct ReproducibilityTests {
    @Test("--jobs 1 and --jobs 2 give bit-identical results")
    func jobs() throws {
        let one = try Workspace(label: "jobs1"), two = try Workspace(label: "jobs2")
        #expect(try one.regime("run", ["--jobs", "1"]).status == 0)
        #expect(try two.regime("run", ["--jobs", "2"]).status == 0)
        let comparison = try Workspace.differences(one.path("results/sweep.h5"), two.path("results/sweep.h5"))
        #expect(comparison.datasets > 30)
        #expect(comparison.different.isEmpty, "\(comparison.different)")
    }

    @Test("on both OpenBLAS kernel sets: --jobs 1, --jobs 2 and a batch half of whose points were cached in another batch agree bit for bit",
          arguments: Subprocess.kernelSets.indices)
    func kernelSets(set: Int) throws {
        let (name, environment, unsetting) = Subprocess.kernelSets[set]
        func run(_ workspace: Workspace, _ arguments: [String]) throws {
            let result = try workspace.regime("run", arguments, environment: environment, unsetting: unsetting)
            #expect(result.status == 0, "\(name): \(result.stderr)")
        }
        let one = try Workspace(label: "kernels1"), two = try Workspace(label: "kernels2"), grown = try Workspace(label: "kernels3")
        try run(one, ["--jobs", "1"])
        try run(two, ["--jobs", "2"])
        // Batches of 4 hold two λ values at two α each: with λ = 0.002 in place of
        // 0.001, half of each batch's points are the same; back at 0.001 the batch
        // trains whole again, as in a run from nothing.
        try run(grown, ["--set", "fit.sweep.l2=[0, 0.002]"])
        try run(grown, [])
        for other in [two, grown] {
            let comparison = try Workspace.differences(one.path("results/sweep.h5"), other.path("results/sweep.h5"))
            #expect(comparison.datasets > 30)
            #expect(comparison.different.isEmpty, "\(name): \(comparison.different)")
        }
    }

    @Test("shards 1/2 and 2/2 into one cache, then a plain run that gathers, equal one run")
    func shards() throws {
        let whole = try Workspace(label: "whole"), sharded = try Workspace(label: "sharded")
        #expect(try whole.regime().status == 0)
        let first = try sharded.regime("run", ["--shard", "1/2", "--trace", "first.jsonl"])
        let second = try sharded.regime("run", ["--shard", "2/2", "--trace", "second.jsonl"])
        #expect(first.status == 0 && second.status == 0, "\(first.stderr)\(second.stderr)")
        #expect(!FileManager.default.fileExists(atPath: sharded.path("results/sweep.h5")), "a shard writes no outputs")
        let firstBatches = try sharded.trace("first.jsonl").filter { $0.kind == "batch" }
        let secondBatches = try sharded.trace("second.jsonl").filter { $0.kind == "batch" }
        #expect(firstBatches.count == 2 && secondBatches.count == 2)
        let gather = try sharded.regime("run", ["--trace", "gather.jsonl"])
        #expect(gather.status == 0)
        let gathered = try sharded.trace("gather.jsonl")
        #expect(gathered.count == 2 && gathered.allSatisfy { $0.kind == "output" }, "the gathering run writes the two outputs and trains nothing")
        let comparison = try Workspace.differences(whole.path("results/sweep.h5"), sharded.path("results/sweep.h5"))
        #expect(comparison.different.isEmpty, "\(comparison.different)")
        let records = try FileManager.default.contentsOfDirectory(atPath: sharded.path(".regime/shards"))
        #expect(records.count == 2)
    }

    @Test("a run killed with SIGKILL mid-sweep resumes and ends bit-identical to an uninterrupted run")
    func killAndResume() throws {
        let steps = ["--set", "fit.optimizer.steps=60000", "--jobs", "1"]
        let reference = try Workspace(label: "uninterrupted"), killed = try Workspace(label: "killed")
        #expect(try reference.regime("run", steps).status == 0)

        let process = try killed.start(steps)
        // Kill once at least one batch is committed and before the run is done.
        killed.waitForFirstBatch(of: process)
        #expect(process.isRunning, "the run finished before it could be killed")
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal)
        #expect(!FileManager.default.fileExists(atPath: killed.path("results/sweep.h5")))
        let partial = killed.committedBatches()
        #expect(partial >= 1 && partial < 4)

        let resumed = try killed.regime("run", steps + ["--trace", "resume.jsonl"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let retrained = try killed.trace("resume.jsonl").filter { $0.kind == "batch" }.count
        #expect(retrained == 4 - partial, "the resumed run retrains only the batches not committed")
        let comparison = try Workspace.differences(reference.path("results/sweep.h5"), killed.path("results/sweep.h5"))
        #expect(comparison.datasets > 30)
        #expect(comparison.different.isEmpty, "\(comparison.different)")
    }
}
