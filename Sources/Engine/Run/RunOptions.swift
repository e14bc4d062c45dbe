/// How `regime run` runs.
import Operations
public struct RunOptions: Sendable {
    /// Units in flight at once (each on one BLAS thread).
    public var jobs: Int
    /// Run everything that does not depend on a failure.
    public var keepGoing = false
    /// Compute only shard `index` of `count` (1-based) of the fit batches, into
    /// the cache, writing no output files.
    public var shard: (index: Int, count: Int)?
    /// The cache directory (default: `.regime` beside the pipeline).
    public var cacheDirectory: String?
    /// Stages recomputed whatever the cache holds.
    public var force: Set<String> = []
    public var locking: FileLockingMode = .auto
    /// When set, a run whose memory estimate exceeds it is refused before it
    /// starts (`MemoryEstimate.Refusal`) — only when it has work to do.
    public var memoryLimit: MemoryLimit?
    /// A file to append one JSON line per unit to (start, end, kind): for tests
    /// and for looking at the schedule.
    public var tracePath: String?

    public init(jobs: Int) {
        self.jobs = jobs
    }
}

/// What the engine tells the CLI while it runs; the CLI decides how to show it.
public enum RunEvent: Sendable {
    /// A line for the run log.
    case log(String)
    /// Training progress: points finished of those this run trains, failures so far.
    case progress(pointsDone: Int, pointsTotal: Int, unitsDone: Int, unitsTotal: Int, failures: Int)
}

/// The CLI's side of progress reporting (only the CLI prints: docs/architecture.md).
public protocol ProgressObserver: Sendable {
    func handle(_ event: RunEvent)
}

/// One instance that would run, and why (`--dry-run`).
public struct PlannedEntry: Sendable {
    public var stage: String
    public var op: String
    public var identity: String
    public var reason: String
}

/// How a run ended.
public struct RunReport: Sendable {
    public var upToDate: Bool
    public var instancesComputed = 0
    public var pointsTrained = 0
    /// Points whose training diverged (a result, not a failure: status `diverged`).
    public var diverged = 0
    /// Points that could not be trained (their batch failed).
    public var failedPoints = 0
    public var batches = 0
    public var outputsWritten: [String] = []
    public var failures: [StageFailure] = []
    /// Units that did not run because an input failed or the run stopped.
    public var skipped = 0
    public var interrupted = false
    public var seconds = 0.0

    /// 0 success; 1 something failed; 2 bad input data; 130 interrupted.
    public var exitCode: Int32 {
        if interrupted { return 130 }
        if failures.contains(where: { $0.kind == .input }) { return 2 }
        return failures.isEmpty && skipped == 0 ? 0 : 1
    }
}
