import Base
import Foundation
import HDF5
import Learning
import LinearAlgebra
import Pipeline
import Synchronization
import struct Datasets.RandomStream
import struct Datasets.DataError
import Operations

/// Runs a plan: works out what is stale, schedules the units on Dispatch,
/// executes them into the cache, and writes the outputs.
///
/// Threads: `jobs` units run at once, each on one BLAS thread — the CLI sets
/// OpenBLAS to one thread before a run (a library leaves the process-wide
/// setting to its caller). OpenBLAS's results can change with the thread count,
/// so regime never varies it: results are the same for any --jobs, any
/// --shard and any machine with the same BLAS kernels.
public final class Runner: Sendable {
    public let plan: KeyedPlan
    public let options: RunOptions
    public let cache: Cache
    let observer: (any ProgressObserver)?
    let context: ExecutionContext
    let cancelled: CancellationFlag
    let state = Locked(RunnerState())
    /// The SVD of each data set the closed forms use, shared by its batches.
    let spectra = SpectrumCache()
    let clock = ContinuousClock()
    let started: ContinuousClock.Instant

    /// What the units of a run share, behind the runner's mutex.
    struct RunnerState {
        var artifacts: [Int: Artifact] = [:]
        /// Per data or reference instance: the units of this pass still to read
        /// it. Its artifact is dropped from memory when none is left.
        var readers: [Int: Int] = [:]
        /// The fit batch a sample instance read last, for the next point of the same batch.
        var lastBatch: (key: String, record: TrainedBatch)?
        var failures: [StageFailure] = []
        var failedPoints: [Int: String] = [:]
        /// Units of this pass that failed on a corrupt cache entry.
        var corruptionFailures = 0
        /// Fit stages whose batches the log has said train in the row space.
        var rowSpaceStages: Set<String> = []
        var scheduler: Scheduler?
        var pointsDone = 0, unitsDone = 0, pointsTotal = 0, unitsTotal = 0
        var succeededInstances: [Int] = []
        var report = RunReport(upToDate: false)
        var trace: FileHandle?
    }

    let inputFiles: InputFiles

    /// Prepares a run: the content key of every instance, with the digests of
    /// the input files (read from the cache's records where a file's stat is
    /// unchanged). Throws when an input file cannot be read.
    public init(plan: Plan, options: RunOptions, observer: (any ProgressObserver)? = nil) throws {
        self.options = options
        self.observer = observer
        cache = Cache(root: options.cacheDirectory ?? (plan.spec.directory == "." ? ".regime" : plan.spec.directory + "/.regime"))
        inputFiles = InputFiles(cache: Cache(root: cache.root, readOnly: true))
        self.plan = try KeyedPlan(plan, files: inputFiles)
        let flag = CancellationFlag()
        context = ExecutionContext(spec: plan.spec, locking: options.locking, inputFiles: inputFiles, cancelled: { flag.isSet })
        cancelled = flag
        started = ContinuousClock().now
    }

    /// What a run would do now, and why (for --dry-run and --question). Reads the
    /// cache, writes nothing, takes no lock.
    public func preview() throws -> [PlannedEntry] {
        let work = try WorkPlan(plan: plan, cache: Cache(root: cache.root, readOnly: true), force: options.force,
                            shard: options.shard)
        return work.reasons.sorted { $0.key < $1.key }.map { index, reason in
            let instance = plan.instances[index]
            return PlannedEntry(stage: instance.stage, op: plan.plan.expansion(containing: index).stage.operation.name,
                                identity: instance.identity, reason: reason)
        }
    }

    /// Stops the run: no new unit starts, training batches stop at their next
    /// check, and the run reports itself interrupted. Safe from any thread.
    public func interrupt() {
        cancelled.set()
        let scheduler = state.withLock { $0.scheduler }
        scheduler?.stop()
    }

    public func run() throws -> RunReport {
        let (lock, notes) = try cache.lock(shared: options.shard != nil)
        defer { lock.release() }
        for note in notes { log("regime: note: \(note)") }
        inputFiles.record(into: cache)
        if options.shard == nil { removeStaleOutputTemporaries() }
        // A corrupt cache entry found while running is deleted and its unit
        // fails; the next pass plans again from what the cache now holds and
        // recomputes it. Each pass deletes at least one entry, so this ends.
        var warned = 0
        var pass = 1
        while true {
            let result = try runPass(first: pass == 1)
            let corrupt = cache.corruptEntries
            for entry in corrupt[warned...] { log("regime: warning: \(entry)") }
            warned = corrupt.count
            let again = result.failedOnCorruptionOnly && !cancelled.isSet && pass < Runner.maximumPasses
            if !again { return finish(result) }
            state.withLock { $0.corruptionFailures = 0 }
            pass += 1
        }
    }

    /// Removes the temporaries that killed runs left beside this pipeline's
    /// outputs (those of processes that are gone; see `DurableFile`).
    private func removeStaleOutputTemporaries() {
        var directories = Set<String>()
        for stage in plan.spec.stages where stage.operation.gathers {
            for instance in plan.instances(of: stage.id) {
                directories.insert(DurableFile.parent(of: WorkPlan.outputPath(instance, plan.spec)))
            }
        }
        let removed = directories.sorted().reduce(0) { $0 + DurableFile.removeStaleTemporaries(in: $1) }
        if removed > 0 {
            log("regime: note: removed \(removed) temporary file\(removed == 1 ? "" : "s") that killed runs left beside the outputs")
        }
    }

    /// How many times a run plans again after finding corrupt cache entries.
    static let maximumPasses = 10

    private struct PassResult {
        var upToDate: Bool
        /// Units of this pass that did not run (an input failed, or the run stopped).
        var skipped: Int
        /// Every failure of the pass was a corrupt cache entry, so another pass may finish the run.
        var failedOnCorruptionOnly: Bool
    }

    private func runPass(first: Bool) throws -> PassResult {
        let work = try WorkPlan(plan: plan, cache: cache, force: options.force, shard: options.shard)
        let units = work.units
        if units.isEmpty {
            if first { log("regime: \(plan.spec.name): up to date") }
            return PassResult(upToDate: first, skipped: 0, failedOnCorruptionOnly: false)
        }
        if first, let limit = options.memoryLimit,
           let refusal = try MemoryEstimate.of(plan.plan, jobs: min(options.jobs, units.count)).problem(limit: limit) {
            throw refusal
        }
        if first, let wrong = Runner.blasCheck {
            throw wrong
        }
        if first, let path = options.tracePath {
            guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forWritingAtPath: path) else {
                throw SystemError.current(path: path, operation: "cannot write the trace")
            }
            state.withLock { $0.trace = handle }
        }
        let points = units.reduce(0) { if case .batch(let batch) = $1.work { return $0 + batch.points.count } else { return $0 } }
        state.withLock { state in
            state.pointsTotal += points
            state.unitsTotal += units.count
        }
        let jobs = max(1, min(options.jobs, units.count))
        if first {
            let cores = ProcessInfo.processInfo.activeProcessorCount
            if options.jobs > cores {
                log("regime: note: --jobs \(options.jobs) is more than the \(cores) cores; units will share them")
            }
            log("regime: \(plan.spec.name): " + Runner.describe(units: units, points: points, samples: { self.plan.plan.expansion(containing: $0).stage.operation.readsFitData }) + "; \(jobs) job\(jobs == 1 ? "" : "s") × \(Runner.blasThreads) ("
                + Runner.blasDescription + ")")
        } else {
            log("regime: \(plan.spec.name): recomputing what the corrupt entries held: " + Runner.describe(units: units, points: points, samples: { self.plan.plan.expansion(containing: $0).stage.operation.readsFitData }))
        }
        emitProgress()

        let scheduler = Scheduler(dependencies: units.map(\.dependencies), jobs: jobs, keepGoing: options.keepGoing) { unit in
            if case .gather = units[unit].work { return true }
            return false
        }
        state.withLock { state in
            state.scheduler = scheduler
            state.readers = [:]
            state.lastBatch = nil
            for unit in units { for index in Runner.reads(unit, plan: plan) { state.readers[index, default: 0] += 1 } }
        }
        if cancelled.isSet { scheduler.stop() }
        let outcomes = scheduler.run { [self] unit, _ in
            try execute(units[unit], work: work)
        }
        let skipped = outcomes.filter { if case .skipped = $0 { return true } else { return false } }.count
        return state.withLock { state in
            state.scheduler = nil
            return PassResult(upToDate: false, skipped: skipped,
                              failedOnCorruptionOnly: state.corruptionFailures > 0 && state.failures.isEmpty)
        }
    }

    /// The data and reference instances a unit reads.
    static func reads(_ unit: WorkPlan.Unit, plan: KeyedPlan) -> [Int] {
        switch unit.work {
        case .instance(let index): return plan.plan.instance(index).inputs.flatMap(\.instances)
        case .batch(let batch): return [batch.data] + batch.compare
        case .gather: return []
        }
    }

    /// "12 fit points in 3 batches, 4 data/reference instances, 12 sample sets, 1 output"; `samples`
    /// tells an instance of a stage that reads fit points.
    static func describe(units: [WorkPlan.Unit], points: Int, samples: (Int) -> Bool = { _ in false }) -> String {
        let batches = units.filter { if case .batch = $0.work { return true } else { return false } }.count
        let instanceIndices = units.compactMap { unit -> Int? in if case .instance(let index) = unit.work { return index } else { return nil } }
        let sampled = instanceIndices.filter(samples).count, instances = instanceIndices.count - sampled
        let outputs = units.count - batches - instanceIndices.count
        var parts: [String] = []
        if points > 0 { parts.append("\(points) fit point\(points == 1 ? "" : "s") in \(batches) batch\(batches == 1 ? "" : "es")") }
        if instances > 0 { parts.append("\(instances) data/reference instance\(instances == 1 ? "" : "s")") }
        if sampled > 0 { parts.append("\(sampled) sample set\(sampled == 1 ? "" : "s")") }
        if outputs > 0 { parts.append("\(outputs) output\(outputs == 1 ? "" : "s")") }
        return parts.joined(separator: ", ")
    }

    /// The report of the whole run, the shard record, and the key parts of what ran.
    private func finish(_ last: PassResult) -> RunReport {
        var (result, succeeded, corruptLeft) = state.withLock { state -> (RunReport, [Int], Int) in
            try? state.trace?.close()
            state.trace = nil
            var report = state.report
            report.failures = state.failures
            report.failedPoints = state.failedPoints.count
            report.interrupted = cancelled.isSet
            report.seconds = (clock.now - started).seconds
            return (report, state.succeededInstances, state.corruptionFailures)
        }
        result.skipped = last.skipped
        if last.upToDate {
            result.upToDate = true
            return result
        }
        if corruptLeft > 0, !result.interrupted {
            result.failures.append(StageFailure(
                identity: "cache", kind: .computation,
                message: "\(cache.root) kept turning up corrupt entries after \(Runner.maximumPasses) passes; check the disk, or remove the cache"))
        }
        if !result.interrupted {
            if let shard = options.shard, result.failures.isEmpty {
                try? cache.write("shard \(shard.index) of \(shard.count): \(result.pointsTrained) points in \(result.batches) batches, \(String(format: "%.1f", result.seconds)) s\n",
                                 to: cache.path(shardRecord(shard.index, of: shard.count)))
            }
            // The batches' and the results writer's buffers are freed by now;
            // hand the pages back before the state is encoded on top of them.
            ProcessMemory.returnFreedPages()
            saveState(succeeded)
        }
        return result
    }

    /// "1 BLAS thread", as OpenBLAS reports it (the CLI sets one per job).
    static var blasThreads: String {
        let count = BLAS.threadCount
        return "\(count) BLAS thread\(count == 1 ? "" : "s")"
    }

    /// "OpenBLAS 0.3.21, Haswell kernels", from OpenBLAS's build configuration,
    /// and why, when regime chose them over OpenBLAS's fallback.
    static var blasDescription: String {
        let words = BLAS.configuration.split(separator: " ").map(String.init)
        let library = words.prefix(2).joined(separator: " ")
        let chosen = BLASKernel.replacedFallback.map { "; regime's choice: OpenBLAS does not know this CPU and would run \($0)" } ?? ""
        return library + ", \(BLASKernel.current) kernels" + chosen
    }

    /// OpenBLAS's products against long double (`BLASKernel.check`), once per
    /// process before the first unit runs: 256 products of every transpose, a
    /// few milliseconds. A kernel set that computes wrong results stops the run
    /// before anything it computed reaches the cache.
    static let blasCheck: BLASKernel.WrongResults? = {
        let report = BLASKernel.check(products: 256, largest: 16)
        return report.mismatches.isEmpty ? nil : BLASKernel.WrongResults(report: report)
    }()

    // MARK: Reporting

    func log(_ line: String) { observer?.handle(.log(line)) }

    func emitProgress() {
        let event = state.withLock { state in
            RunEvent.progress(pointsDone: state.pointsDone, pointsTotal: state.pointsTotal, unitsDone: state.unitsDone,
                              unitsTotal: state.unitsTotal, failures: state.failures.count)
        }
        observer?.handle(event)
    }

    /// Records the key parts of what ran, for later --dry-run reasons. Writes a
    /// stage's state file only when it changes.
    private func saveState(_ ran: [Int]) {
        guard options.shard == nil, !ran.isEmpty else { return }
        var byStage: [String: [Int]] = [:]
        for index in ran { byStage[plan.instances[index].stage, default: []].append(index) }
        for (stage, indices) in byStage {
            var state = RunState.load(cache, stage: stage) ?? RunState(instances: [:])
            let before = state
            for index in indices {
                let instance = plan.instances[index]
                state.instances[instance.identity] = RunState.stored(instance.parts)
            }
            if state != before { try? state.save(cache, stage: stage) }
        }
    }
}

/// A flag set once, read from any thread.
final class CancellationFlag: Sendable {
    private let value = Atomic<Bool>(false)
    var isSet: Bool { value.load(ordering: .acquiring) }
    func set() { value.store(true, ordering: .releasing) }
}
