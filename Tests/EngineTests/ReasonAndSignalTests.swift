import Foundation
@testable import Engine
import Pipeline
import Testing
import TestSupport

@Suite("why instances run, --cache, interrupts, and the scheduler's order")
struct ReasonAndSignalTests {
    @Test("--dry-run names the reason: parameters changed, input changed, seed changed")
    func reasons() throws {
        let workspace = try Workspace(label: "reasons")
        #expect(try workspace.regime().status == 0)
        let steps = try workspace.regime("run", ["--dry-run", "--set", "fit.optimizer.steps=2999"]).stdout
        let lines = steps.split(separator: "\n").map(String.init)
        #expect(lines.filter { $0.hasPrefix("fit[") }.count == 16)
        #expect(lines.filter { $0.hasPrefix("fit[") }.allSatisfy { $0.hasSuffix("parameters changed") })
        func reason(_ text: String, _ identity: String) -> String? {
            text.split(separator: "\n").first { $0.hasPrefix(identity + " ") }.map { $0.dropFirst(identity.count).trimmingCharacters(in: .whitespaces) }
        }
        #expect(reason(steps, "results") == "input changed" && reason(steps, "table") == "input changed")
        let seed = try workspace.regime("run", ["--dry-run", "--set", "seed=4"]).stdout
        #expect(reason(seed, "data[rho=0]") == "seed changed")
        #expect(reason(seed, "refs[rho=0]") == "input changed")
    }

    @Test("each reason from the key parts of the last run")
    func reasonRules() {
        let now = StageInstance.KeyParts(numerics: "regime 1, fit 1", parameters: "{}", inputs: "a", stream: "s")
        #expect(RunState.reason(now: now, before: nil) == "output missing")
        var before = now
        before.numerics = "regime 0, fit 1"
        #expect(RunState.reason(now: now, before: before) == "numerics version changed")
        before = now
        before.parameters = "{\"l2\":1}"
        #expect(RunState.reason(now: now, before: before) == "parameters changed")
        before = now
        before.stream = "t"
        #expect(RunState.reason(now: now, before: before) == "seed changed")
        before = now
        before.inputs = "b"
        #expect(RunState.reason(now: now, before: before) == "input changed")
        #expect(RunState.reason(now: now, before: now) == "output missing")
    }

    @Test("the stored state keeps each part once, long parts as fingerprints, and gives the same reasons")
    func storedState() throws {
        let long = "{\"l2\":" + String(repeating: "1", count: 200) + "}"
        #expect(RunState.fingerprint("short") == "short")
        #expect(RunState.fingerprint(long).hasPrefix("sha256:") && RunState.fingerprint(long).count == 71)
        #expect(RunState.fingerprint(RunState.fingerprint(long)) == RunState.fingerprint(long))
        var state = RunState(instances: [:])
        for point in 0..<50 {
            let parts = StageInstance.KeyParts(numerics: "regime 1, fit 2", parameters: long + "\(point)", inputs: "a",
                                               stream: "s\(point)", files: "x=data.csv@abc")
            state.instances["fit[\(point)]"] = RunState.stored(parts)
        }
        let stored = RunState.Stored(state)
        #expect(stored.parts.count == 50 + 50 + 4)  // parameters and streams differ; numerics, inputs, provenance, files shared
        let data = try JSONEncoder().encode(stored)
        #expect(try JSONDecoder().decode(RunState.Stored.self, from: data).state == state)
        let now = StageInstance.KeyParts(numerics: "regime 1, fit 2", parameters: long + "7", inputs: "a", stream: "s7",
                                         files: "x=data.csv@abc")
        #expect(RunState.reason(now: now, before: state.instances["fit[7]"]) == "output missing")
        var changed = now
        changed.parameters = long + "8"
        #expect(RunState.reason(now: changed, before: state.instances["fit[7]"]) == "parameters changed")
    }

    @Test("--cache puts the cache where it is told")
    func cacheDirectory() throws {
        let workspace = try Workspace(label: "cache-dir")
        let elsewhere = workspace.path("elsewhere/cache")
        #expect(try workspace.regime("run", ["--cache", elsewhere, "--hdf5-locking", "off"]).status == 0)
        #expect(!FileManager.default.fileExists(atPath: workspace.path(".regime")))
        #expect(FileManager.default.fileExists(atPath: elsewhere + "/batches"))
        #expect(try workspace.regime("run", ["--cache", elsewhere, "--question"]).status == 0)
        #expect(try workspace.regime("run", ["--question"]).status == 1, "the default cache is empty")
    }

    @Test("Ctrl-C stops the run with exit 130; the next run resumes and finishes")
    func interrupt() throws {
        let workspace = try Workspace(label: "interrupt")
        let arguments = ["--jobs", "1", "--set", "fit.optimizer.steps=60000"]
        let errors = Pipe()
        let process = try workspace.start(arguments, stderr: errors)
        workspace.waitForFirstBatch(of: process)
        kill(process.processIdentifier, SIGINT)
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 130, "\(text)")
        #expect(text.contains("regime: interrupted; stopping"))
        #expect(text.contains("the next run continues from there"))
        #expect(!FileManager.default.fileExists(atPath: workspace.path("results/sweep.h5")))
        let resumed = try workspace.regime("run", arguments)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(FileManager.default.fileExists(atPath: workspace.path("results/sweep.h5")))
    }

    @Test("a dependent starts as soon as its own inputs finish, while other work still runs")
    func noLevelBarriers() {
        // 0: slow, independent. 1: fast. 2: depends on 1 only. 3: depends on 0 and 2.
        let clock = ContinuousClock()
        let start = clock.now
        let times = TimeLog()
        let scheduler = Scheduler(dependencies: [[], [], [1], [0, 2]], jobs: 2, keepGoing: false)
        let outcomes = scheduler.run { unit, _ in
            let began = (clock.now - start).seconds
            Thread.sleep(forTimeInterval: unit == 0 ? 0.4 : 0.02)
            times.record(unit, began, (clock.now - start).seconds)
        }
        #expect(outcomes.allSatisfy { $0 == .succeeded })
        let log = times.entries
        #expect(log[2]!.start < log[0]!.end, "unit 2 waited for the slow unit it does not depend on")
        #expect(log[3]!.start >= log[0]!.end && log[3]!.start >= log[2]!.end)
    }

    @Test("a failure stops the dependents; with keep-going the independent units still run")
    func failures() {
        struct Boom: Error {}
        let stopped = Scheduler(dependencies: [[], [0], [], [1]], jobs: 1, keepGoing: false).run { unit, _ in
            if unit == 0 { throw Boom() }
        }
        #expect(stopped[0] == .failed("Boom()"))
        #expect(stopped[1] == .skipped("an input failed") && stopped[3] == .skipped("an input failed"))
        let kept = Scheduler(dependencies: [[], [0], [], [1]], jobs: 1, keepGoing: true).run { unit, _ in
            if unit == 0 { throw Boom() }
        }
        #expect(kept[2] == .succeeded)
        #expect(kept[1] == .skipped("an input failed"))
    }
}

final class TimeLog: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var entries: [Int: (start: Double, end: Double)] = [:]
    func record(_ unit: Int, _ start: Double, _ end: Double) {
        lock.lock()
        entries[unit] = (start, end)
        lock.unlock()
    }
}
