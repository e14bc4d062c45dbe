import ArgumentParser
import Dispatch
import Engine
import Foundation
import HDF5
import LinearAlgebra
import Pipeline
import Synchronization

/// `regime run`: run a pipeline, computing only what is missing or stale.
struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a pipeline: compute what is missing or stale, write its outputs.",
        discussion: """
        Finished work goes into the cache (.regime beside the pipeline); a rerun computes only what changed, \
        and an unchanged rerun writes nothing. A run killed at any moment resumes where it stopped.
        Exit codes: 0 success; 1 something failed (or, with --question, something is stale); 2 invalid \
        pipeline or input data, or a run too large for the memory; 64 usage; 128 + the signal when interrupted (130 for Ctrl-C).
        """)

    @OptionGroup var pipelineOptions: PipelineOptions

    @Option(name: .shortAndLong, help: "Units in flight at once (default: the number of cores).")
    var jobs: Int?

    @Flag(name: .shortAndLong, help: "Run everything that does not depend on a failure.")
    var keepGoing = false

    @Flag(name: [.customShort("n"), .long], help: "List what would run and why; run nothing.")
    var dryRun = false

    @Flag(name: [.customShort("q"), .long], help: "Run nothing; exit 1 when anything is stale, 0 when all is up to date.")
    var question = false

    @Option(help: ArgumentHelp("Compute shard I of N of the fit batches into the cache; write no outputs.", valueName: "I/N"))
    var shard: String?

    @Option(help: "The cache directory (default: .regime beside the pipeline).")
    var cache: String?

    @Option(name: .customLong("force"), help: ArgumentHelp("Recompute this stage (and rewrite the outputs below it); repeatable.",
                                                          valueName: "stage"))
    var forced: [String] = []

    @Option(name: .customLong("hdf5-locking"), help: "HDF5 file locking: auto, on, off or best-effort (off or best-effort on NFS and some Lustre).")
    var locking: String = "auto"

    @Option(help: ArgumentHelp("Append a JSON line per unit (kind, stage, start, end) to this file.", valueName: "file"))
    var trace: String?

    @Flag(help: "Print only errors.")
    var quiet = false

    func validate() throws {
        if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1") }
        if FileLocking(rawValue: locking) == nil { throw ValidationError("--hdf5-locking must be auto, on, off or best-effort") }
        if let shard, parseShard(shard) == nil { throw ValidationError("--shard must be I/N with 1 ≤ I ≤ N, e.g. 2/4") }
        if dryRun && question { throw ValidationError("--dry-run and --question do not go together") }
    }

    func parseShard(_ text: String) -> (index: Int, count: Int)? {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]), n >= 1, i >= 1, i <= n else { return nil }
        return (i, n)
    }

    func run() throws {
        BLASKernel.restartWithPreferredKernels()
        let plan = try pipelineOptions.plan()
        for stage in forced where plan.spec.stage(stage) == nil {
            let hint = Suggestion.closest(to: stage, among: plan.spec.stages.map(\.id)).map { "; did you mean '\($0)'?" } ?? ""
            throw ValidationError("--force names no stage of the pipeline: '\(stage)'\(hint)")
        }
        var options = RunOptions(jobs: jobs ?? ProcessInfo.processInfo.activeProcessorCount)
        options.keepGoing = keepGoing
        options.shard = shard.flatMap(parseShard)
        options.cacheDirectory = cache
        options.force = Set(forced)
        options.locking = FileLocking(rawValue: locking)!
        options.tracePath = trace
        options.memoryLimit = try pipelineOptions.memoryLimit()
        let printer = ProgressPrinter(quiet: quiet)
        let runner: Runner
        do {
            runner = try Runner(plan: plan, options: options, observer: printer)
        } catch {
            // An input file that cannot be read (to take its digest) is bad input.
            printError(String(describing: error))
            throw ExitCode(Exit.inputError)
        }

        if dryRun || question {
            let entries = try reportingErrors { try runner.preview() }
            if question { throw ExitCode(entries.isEmpty ? 0 : 1) }
            printDryRun(entries, plan: plan)
            return
        }

        // Ctrl-C, SIGTERM and SIGHUP (what Slurm and a closing terminal send):
        // stop starting work, let the batches stop at their next check, keep
        // everything already cached. A second signal exits at once.
        let interruption = Interruption(runner: runner)
        // One BLAS thread per job: the process-wide setting is the CLI's to make.
        BLAS.threadCount = 1
        let report: RunReport
        do {
            report = try runner.run()
        } catch let error as MemoryEstimate.Refusal {
            printer.finish()
            printError("\(plan.spec.path): \(error)")
            throw ExitCode(Exit.inputError)
        } catch {
            printer.finish()
            printError(String(describing: error))
            throw ExitCode(1)
        }
        printer.finish()
        summarize(report, plan: plan)
        if report.interrupted { throw ExitCode(128 + interruption.signal) }
        if report.exitCode != 0 { throw ExitCode(report.exitCode) }
    }

    private func printDryRun(_ entries: [PlannedEntry], plan: Plan) {
        guard !entries.isEmpty else {
            print("\(plan.spec.name): up to date; nothing would run")
            return
        }
        let width = min(entries.map(\.identity.count).max() ?? 0, 70)
        for entry in entries {
            print(entry.identity.padding(toLength: max(width, entry.identity.count), withPad: " ", startingAt: 0) + "  " + entry.reason)
        }
        var counts: [(String, Int)] = []
        for entry in entries {
            if let index = counts.firstIndex(where: { $0.0 == entry.stage }) { counts[index].1 += 1 } else { counts.append((entry.stage, 1)) }
        }
        print("would run \(entries.count) instance\(entries.count == 1 ? "" : "s"): "
              + counts.map { "\($0.0) \($0.1)" }.joined(separator: ", "))
    }

    private func summarize(_ report: RunReport, plan: Plan) {
        if report.upToDate { return }
        var parts: [String] = []
        if report.pointsTrained > 0 {
            parts.append("trained \(report.pointsTrained) point\(report.pointsTrained == 1 ? "" : "s") in \(report.batches) batch\(report.batches == 1 ? "" : "es")"
                         + (report.diverged > 0 ? " (\(report.diverged) diverged)" : ""))
        }
        if report.instancesComputed > 0 { parts.append("computed \(report.instancesComputed) instance\(report.instancesComputed == 1 ? "" : "s")") }
        if !quiet && !parts.isEmpty {
            writeStderr("regime: " + parts.joined(separator: ", ") + String(format: " (%.1f s)", report.seconds) + "\n")
        }
        if !quiet {
            for output in report.outputsWritten { writeStderr("regime: wrote \(output)\n") }
        }
        if report.interrupted {
            writeStderr("regime: interrupted; what finished is cached, and the next run continues from there\n")
        }
        for failure in report.failures {
            writeStderr("regime: error: \(failure.description)\n")
        }
        if report.failedPoints > 0 {
            writeStderr("regime: \(report.failedPoints) fit point\(report.failedPoints == 1 ? "" : "s") failed\n")
        }
        if report.skipped > 0 {
            writeStderr("regime: \(report.skipped) unit\(report.skipped == 1 ? "" : "s") not run"
                        + (report.interrupted ? "" : " (an input failed\(keepGoing ? "" : "; --keep-going runs what does not depend on it"))") + "\n")
        }
    }
}

import enum Base.Suggestion

/// Turns SIGINT, SIGTERM and SIGHUP into `Runner.interrupt()` for as long as it
/// lives; remembers the first signal for the exit code (128 + its number).
final class Interruption: @unchecked Sendable {
    /// libdispatch's signal sources (C objects) are not marked Sendable; they are
    /// made in init and only cancelled in deinit, never touched in between.
    private let sources: [any DispatchSourceSignal]
    private let state = FirstSignal()

    final class FirstSignal: Sendable {
        let number = Atomic<Int32>(0)
    }

    init(runner: Runner) {
        let signals: [Int32] = [SIGINT, SIGTERM, SIGHUP]
        let first = state
        var sources: [any DispatchSourceSignal] = []
        for number in signals {
            Glibc.signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                let (exchanged, _) = first.number.compareExchange(expected: 0, desired: number, ordering: .acquiringAndReleasing)
                if !exchanged { Foundation.exit(128 + number) }
                let name = number == SIGINT ? "interrupted" : number == SIGTERM ? "terminated (SIGTERM)" : "hung up (SIGHUP)"
                writeStderr("\nregime: \(name); stopping (a second signal quits at once)\n")
                runner.interrupt()
            }
            source.resume()
            sources.append(source)
        }
        self.sources = sources
    }

    /// The signal that interrupted the run (SIGINT when none did).
    var signal: Int32 {
        let number = state.number.load(ordering: .acquiring)
        return number == 0 ? SIGINT : number
    }

    deinit { sources.forEach { $0.cancel() } }
}
