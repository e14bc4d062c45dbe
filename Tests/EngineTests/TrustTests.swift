import Base
import Datasets
import Foundation
import Testing
import TestSupport

/// What a flaky machine does to a run: a full disk under the results or the
/// cache, a read-only directory, a kill in the middle of writing the results,
/// and a cache damaged in every way a disk can damage it.
@Suite("trust: full disks, read-only directories, kills and a damaged cache")
struct TrustTests {
    func errorLines(_ result: ProcessResult) -> [String] {
        result.stderr.split(separator: "\n").map(String.init).filter { $0.hasPrefix("regime: error:") }
    }

    func temporaries(in directory: String) -> [String] {
        ((FileManager.default.enumerator(atPath: directory)?.allObjects as? [String]) ?? []).filter { $0.contains(DurableFile.marker) }
    }

    @Test("a full disk under the results: exit 1 naming the file and ENOSPC, the old results intact, nothing recorded as done")
    func resultsDiskFull() throws {
        let workspace = try Workspace(label: "results-full")
        try Tmpfs.with(kilobytes: 144) { mount in
            let target = mount + "/r.h5"
            let small = ["--set", "results.path=\(target)", "--set", "results.trajectories=false", "--set", "results.weights=false"]
            let first = try workspace.regime("run", small)
            #expect(first.status == 0, "\(first.stderr)")
            let before = try Data(contentsOf: URL(fileURLWithPath: target))

            // With weights and trajectories the file no longer fits.
            let full = try workspace.regime("run", ["--set", "results.path=\(target)"])
            #expect(full.status == 1, "\(full.stderr)")
            #expect(errorLines(full) == ["regime: error: results: \(target): cannot write: No space left on device"])
            #expect(!full.stderr.contains("wrote \(target)"))
            #expect(try Data(contentsOf: URL(fileURLWithPath: target)) == before, "the previous results are untouched")
            #expect(temporaries(in: mount).isEmpty)
            #expect(try workspace.regime("run", ["--question", "--set", "results.path=\(target)"]).status == 1,
                    "the failed output is not recorded as done")
        }
        // A disk too small even for the small file: the failure can come when
        // HDF5 flushes its chunk cache at the close, and the exit is still a
        // clean 1 (HDF5's exit handler, which retried that close and crashed,
        // is never registered).
        try Tmpfs.with(kilobytes: 96) { mount in
            let target = mount + "/r.h5"
            let small = try workspace.regime("run", ["--set", "results.path=\(target)", "--set", "results.trajectories=false",
                                                     "--set", "results.weights=false"])
            #expect(small.status == 1, "\(small.stderr)")
            #expect(errorLines(small) == ["regime: error: results: \(target): cannot write: No space left on device"])
            #expect(!small.stderr.contains("crashed") && temporaries(in: mount).isEmpty)
        }
        // The same for an export stage's CSV.
        try Tmpfs.with(kilobytes: 4) { mount in
            try Data(repeating: 0x41, count: 3000).write(to: URL(fileURLWithPath: mount + "/filler"))
            let target = mount + "/t.csv"
            let full = try workspace.regime("run", ["--set", "table.path=\(target)"])
            #expect(full.status == 1)
            #expect(errorLines(full) == ["regime: error: table: \(target): cannot write: No space left on device"])
            #expect(!FileManager.default.fileExists(atPath: target) && temporaries(in: mount).isEmpty)
        }
    }

    @Test("a full disk under the cache: exit 1 with the OS reason, no crash; after making room the run finishes bit-identical")
    func cacheDiskFull() throws {
        let reference = try Workspace(label: "cache-reference")
        #expect(try reference.regime().status == 0)
        let workspace = try Workspace(label: "cache-full")
        try Tmpfs.with(kilobytes: 120) { mount in
            let cache = mount + "/cache"
            let full = try workspace.regime("run", ["--cache", cache, "--jobs", "1"])
            #expect(full.status == 1, "\(full.stderr)")
            let lines = errorLines(full)
            #expect(lines.count == 1 && lines[0].hasSuffix(": cannot write: No space left on device"), "\(full.stderr)")
            #expect(lines.first?.contains(cache) == true, "the error names the cache entry")
            #expect(!FileManager.default.fileExists(atPath: workspace.path("results/sweep.h5")))
            #expect(temporaries(in: cache).isEmpty)
            // Room again: the next run completes from what was committed.
            let grow = try Subprocess.run("/bin/mount", ["-o", "remount,size=64m", mount])
            #expect(grow.status == 0)
            let resumed = try workspace.regime("run", ["--cache", cache])
            #expect(resumed.status == 0, "\(resumed.stderr)")
            #expect(!resumed.stderr.contains("warning"), "nothing committed was corrupt")
            #expect(try ResultsFiles.differences(reference.path("results/sweep.h5"), workspace.path("results/sweep.h5")).isEmpty)
        }
    }

    @Test("a read-only results directory: exit 1 naming the file and EROFS")
    func readOnlyResults() throws {
        let workspace = try Workspace(label: "results-ro")
        try Tmpfs.with(kilobytes: 512) { mount in
            try Tmpfs.setReadOnly(mount, true)
            defer { try? Tmpfs.setReadOnly(mount, false) }
            let run = try workspace.regime("run", ["--set", "results.path=\(mount)/out/r.h5"])
            #expect(run.status == 1)
            #expect(errorLines(run) == ["regime: error: results: \(mount)/out/r.h5: cannot create the directory \(mount)/out: Read-only file system"])
        }
    }

    @Test("SIGKILL while the results are written leaves a temporary that the next run removes; SIGTERM finishes the file or leaves none")
    func killDuringResultsWrite() throws {
        // Trajectories recorded at every step make the results write last long enough to hit.
        let slow = ["--jobs", "2", "--set", "fit.optimizer.steps=20000", "--set", "fit.record.every=1"]
        for signal in [SIGKILL, SIGTERM] {
            let workspace = try Workspace(label: "kill-write")
            let errors = Pipe()
            let process = try workspace.start(slow, stderr: errors)
            let results = workspace.path("results")
            let deadline = Date().addingTimeInterval(120)
            while temporaries(in: results).filter({ $0.hasPrefix(".sweep.h5") }).isEmpty, process.isRunning, Date() < deadline {
                Thread.sleep(forTimeInterval: 0.005)
            }
            #expect(process.isRunning, "the run ended before its results write could be interrupted")
            kill(process.processIdentifier, signal)
            let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            if signal == SIGKILL {
                #expect(!temporaries(in: results).isEmpty, "a killed writer leaves its temporary behind")
                #expect(!FileManager.default.fileExists(atPath: workspace.path("results/sweep.h5")))
            } else {
                #expect(process.terminationStatus == 143)
                #expect(temporaries(in: results).isEmpty, "SIGTERM lets the write finish or clean up: \(text)")
            }
            let rerun = try workspace.regime("run", slow)
            #expect(rerun.status == 0, "\(rerun.stderr)")
            #expect(temporaries(in: results).isEmpty, "the next run removes what the killed one left")
            #expect(try ResultsFiles.datasets(workspace.path("results/sweep.h5"))["/summary/status"] != nil)
        }
    }

    @Test("a cache-corruption campaign: truncated, garbled, bit-flipped and deleted entries are recomputed, results bit-identical")
    func corruptionCampaign() throws {
        let workspace = try Workspace(label: "corruption")
        #expect(try workspace.regime().status == 0)
        let reference = workspace.path("reference.h5"), referenceCSV = try String(contentsOfFile: workspace.path("results/sweep.csv"), encoding: .utf8)
        try FileManager.default.copyItem(atPath: workspace.path("results/sweep.h5"), toPath: reference)
        let cache = workspace.path(".regime"), pristine = workspace.path("pristine")
        try FileManager.default.copyItem(atPath: cache, toPath: pristine)
        let entries = ((FileManager.default.enumerator(atPath: pristine)?.allObjects as? [String]) ?? []).filter { name in
            var isDirectory: ObjCBool = false
            FileManager.default.fileExists(atPath: pristine + "/" + name, isDirectory: &isDirectory)
            return !isDirectory.boolValue && name != "lock"
        }.sorted()
        #expect(entries.count >= 15)
        var generator = RandomStream(seed: 2026)
        var warned = 0
        for round in 0..<36 {
            try FileManager.default.removeItem(atPath: cache)
            try FileManager.default.copyItem(atPath: pristine, toPath: cache)
            try FileManager.default.removeItem(atPath: workspace.path("results"))
            var damage: [String] = []
            for _ in 0...(generator.nextUInt64() % 3) {
                let entry = entries[Int(generator.nextUInt64() % UInt64(entries.count))]
                let path = cache + "/" + entry
                guard var bytes = try? [UInt8](Data(contentsOf: URL(fileURLWithPath: path))) else { continue }
                switch (round + Int(generator.nextUInt64() % 4)) % 4 {
                case 0:
                    bytes = Array(bytes.prefix(Int(generator.nextUInt64() % UInt64(max(bytes.count, 1)))))
                    damage.append("truncate \(entry)")
                case 1:
                    let start = Int(generator.nextUInt64() % UInt64(max(bytes.count, 1)))
                    for index in start..<min(bytes.count, start + 16) { bytes[index] = UInt8(truncatingIfNeeded: generator.nextUInt64()) }
                    damage.append("garble \(entry)")
                case 2:
                    if !bytes.isEmpty {
                        let bit = Int(generator.nextUInt64() % UInt64(bytes.count * 8))
                        bytes[bit / 8] ^= UInt8(1 << (bit % 8))
                    }
                    damage.append("flip a bit of \(entry)")
                default:
                    try FileManager.default.removeItem(atPath: path)
                    damage.append("delete \(entry)")
                    continue
                }
                try Data(bytes).write(to: URL(fileURLWithPath: path))
            }
            let rerun = try workspace.regime()
            #expect(rerun.status == 0, "round \(round) (\(damage)): \(rerun.stderr)")
            if rerun.status != 0 { continue }
            #expect(try ResultsFiles.differences(reference, workspace.path("results/sweep.h5")).isEmpty, "round \(round): \(damage)")
            #expect(try String(contentsOfFile: workspace.path("results/sweep.csv"), encoding: .utf8) == referenceCSV, "round \(round): \(damage)")
            if rerun.stderr.contains("regime: warning: cache entry") { warned += 1 }
        }
        #expect(warned >= 12, "damage was reported as it was found")
    }

    @Test("temporaries left in the cache by a killed run are removed by the next run")
    func cacheTemporaries() throws {
        let workspace = try Workspace(label: "cache-tmp")
        #expect(try workspace.regime().status == 0)
        let child = try Subprocess.run("/bin/sh", ["-c", "echo $$"])
        let dead = child.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let stale = workspace.path(".regime/tmp/.x.h5\(DurableFile.marker)\(DurableFile.hostName)-\(dead)-7")
        try Data("partial".utf8).write(to: URL(fileURLWithPath: stale))
        let rerun = try workspace.regime()
        #expect(rerun.status == 0)
        #expect(rerun.stderr.contains("regime: note: removed 1 temporary file left in the cache by killed runs"))
        #expect(!FileManager.default.fileExists(atPath: stale))
    }
}


@Suite("inputs are content")
struct InputContentTests {
    /// A workspace running load.yaml on the first 60 rows of the diabetes data.
    func workspace() throws -> Workspace {
        let workspace = try Workspace("load.yaml", label: "input-edit")
        let rows = try String(contentsOfFile: Paths.repository("data/diabetes.csv").path, encoding: .utf8)
            .split(separator: "\n").prefix(61).joined(separator: "\n") + "\n"
        try workspace.directory.write("data.csv", rows)
        return workspace
    }

    @Test("an edited input reruns what depends on it, says why, and equals a run from a fresh cache")
    func editedInput() throws {
        let workspace = try workspace()
        #expect(try workspace.regime().status == 0)
        let before = try ResultsFiles.datasets(workspace.path("results/load.h5"))
        // Same size, same line count: only one value differs.
        let data = workspace.path("data.csv")
        var text = try String(contentsOfFile: data, encoding: .utf8)
        text = text.replacingOccurrences(of: "59,2,32.1,101", with: "59,2,32.2,101")
        try text.write(toFile: data, atomically: false, encoding: .utf8)

        #expect(try workspace.regime("run", ["--question"]).status == 1)
        let dry = try workspace.regime("run", ["--dry-run"]).stdout
        #expect(dry.contains("data     input changed: data.csv"), "\(dry)")
        #expect(dry.contains("split    input changed"))
        let rerun = try workspace.regime()
        #expect(rerun.status == 0, "\(rerun.stderr)")
        let after = try ResultsFiles.datasets(workspace.path("results/load.h5"))
        #expect(after["/summary/train_mse"] != before["/summary/train_mse"] || after["/summary/test_mse"] != before["/summary/test_mse"],
                "the fit saw the new value")

        let fresh = try Workspace("load.yaml", label: "input-fresh")
        try FileManager.default.removeItem(atPath: fresh.pipeline)
        try FileManager.default.copyItem(atPath: workspace.pipeline, toPath: fresh.pipeline)
        try FileManager.default.copyItem(atPath: data, toPath: fresh.path("data.csv"))
        #expect(try fresh.regime().status == 0)
        #expect(try ResultsFiles.differences(workspace.path("results/load.h5"), fresh.path("results/load.h5")).isEmpty)
    }

    @Test("touching an input without changing it reruns nothing; replacing it by a copy of itself neither")
    func touchedInput() throws {
        let workspace = try workspace()
        #expect(try workspace.regime().status == 0)
        let data = workspace.path("data.csv")
        Thread.sleep(forTimeInterval: 0.02)
        try FileManager.default.setAttributes([.modificationDate: Date()], ofItemAtPath: data)
        let copy = workspace.path("copy.csv")
        try FileManager.default.copyItem(atPath: data, toPath: copy)
        try FileManager.default.removeItem(atPath: data)
        try FileManager.default.moveItem(atPath: copy, toPath: data)
        let rerun = try workspace.regime()
        #expect(rerun.status == 0)
        #expect(rerun.stderr == "regime: pipeline: up to date\n")
    }
}
