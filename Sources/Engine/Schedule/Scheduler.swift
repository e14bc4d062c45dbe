import Dispatch
import Foundation
import Operations

/// Runs a DAG of units on Dispatch with at most `jobs` in flight. A unit starts
/// as soon as all of its own dependencies have finished — there are no
/// level-by-level barriers.
///
/// Units run on `jobs` serial queues ("lanes"), one unit per lane at a time.
/// A custom concurrent queue would not do: libdispatch on Linux sizes its pool
/// by the core count and does not notice threads that block, so a ready unit
/// could wait for a thread while a lane's worth of capacity sits unused;
/// serial queues get threads of their own. A failed unit stops its dependents (transitively);
/// without `keepGoing` no new unit starts after a failure, and the running ones
/// finish. Units that may run despite failed inputs (an output with
/// `--keep-going`) say so through `runsDespiteFailedInputs`.
final class Scheduler: @unchecked Sendable {
    enum Outcome: Equatable {
        case succeeded
        case failed(String)
        /// Not run: an input failed, or the run stopped.
        case skipped(String)
    }

    private let dependencies: [[Int]]
    private var dependents: [[Int]]
    private var waiting: [Int]
    private var outcomes: [Outcome?]
    private let jobs: Int
    private let keepGoing: Bool
    private let runsDespiteFailedInputs: (Int) -> Bool
    private let control = DispatchQueue(label: "regime.scheduler")
    private let lanes: [DispatchQueue]
    private var freeLanes: [Int]
    private var running = 0
    private var stopping = false
    private var failedInputs: [Set<Int>]
    private let finished = DispatchSemaphore(value: 0)
    private var remaining: Int

    init(dependencies: [[Int]], jobs: Int, keepGoing: Bool, runsDespiteFailedInputs: @escaping (Int) -> Bool = { _ in false }) {
        self.dependencies = dependencies
        self.jobs = max(1, jobs)
        self.keepGoing = keepGoing
        self.runsDespiteFailedInputs = runsDespiteFailedInputs
        lanes = (0..<max(1, jobs)).map { DispatchQueue(label: "regime.lane.\($0)") }
        freeLanes = Array((0..<max(1, jobs)).reversed())
        dependents = Array(repeating: [], count: dependencies.count)
        for (unit, inputs) in dependencies.enumerated() { for input in inputs { dependents[input].append(unit) } }
        waiting = dependencies.map(\.count)
        outcomes = Array(repeating: nil, count: dependencies.count)
        failedInputs = Array(repeating: [], count: dependencies.count)
        remaining = dependencies.count
    }

    /// Runs every unit through `execute` (called on a worker thread) and returns
    /// each unit's outcome. `stop()` from any thread makes it start nothing new.
    func run(_ execute: @escaping @Sendable (Int, _ failedInputs: Set<Int>) throws -> Void) -> [Outcome] {
        if dependencies.isEmpty { return [] }
        control.async {
            for unit in self.dependencies.indices where self.waiting[unit] == 0 { self.ready(unit, execute) }
            self.launch(execute)
        }
        finished.wait()
        return outcomes.map { $0 ?? .skipped("not started") }
    }

    /// Starts no further unit; running units finish.
    func stop() {
        control.async {
            self.stopping = true
            self.drainIfIdle()
        }
    }

    private var readyQueue: [Int] = []

    private func ready(_ unit: Int, _ execute: @escaping @Sendable (Int, Set<Int>) throws -> Void) {
        readyQueue.append(unit)
    }

    /// On the control queue: starts ready units while there is room.
    private func launch(_ execute: @escaping @Sendable (Int, Set<Int>) throws -> Void) {
        while running < jobs, !stopping, !readyQueue.isEmpty, let lane = freeLanes.popLast() {
            let unit = readyQueue.removeFirst()
            running += 1
            let failed = failedInputs[unit]
            lanes[lane].async {
                let outcome: Outcome
                do {
                    try execute(unit, failed)
                    outcome = .succeeded
                } catch {
                    outcome = .failed("\(error)")
                }
                self.control.async {
                    self.freeLanes.append(lane)
                    self.complete(unit, outcome, execute)
                }
            }
        }
        drainIfIdle()
    }

    private func complete(_ unit: Int, _ outcome: Outcome, _ execute: @escaping @Sendable (Int, Set<Int>) throws -> Void) {
        running -= 1
        outcomes[unit] = outcome
        remaining -= 1
        if case .failed = outcome, !keepGoing { stopping = true }
        for dependent in dependents[unit] {
            if case .failed = outcome { failedInputs[dependent].insert(unit) }
            if case .skipped = outcome { failedInputs[dependent].insert(unit) }
            waiting[dependent] -= 1
            if waiting[dependent] == 0 {
                if failedInputs[dependent].isEmpty || (keepGoing && runsDespiteFailedInputs(dependent)) {
                    ready(dependent, execute)
                } else {
                    skip(dependent, because: "an input failed")
                }
            }
        }
        launch(execute)
    }

    private func skip(_ unit: Int, because reason: String) {
        guard outcomes[unit] == nil else { return }
        outcomes[unit] = .skipped(reason)
        remaining -= 1
        for dependent in dependents[unit] {
            failedInputs[dependent].insert(unit)
            waiting[dependent] -= 1
            if waiting[dependent] == 0 { skip(dependent, because: reason) }
        }
    }

    /// When stopping (or done) and nothing runs, skips what never started and
    /// releases `run`.
    private func drainIfIdle() {
        guard running == 0 else { return }
        if stopping {
            for unit in outcomes.indices where outcomes[unit] == nil {
                outcomes[unit] = .skipped("the run stopped")
                remaining -= 1
            }
            readyQueue.removeAll()
        }
        if remaining <= 0 {
            remaining = Int.min / 2  // signal once
            finished.signal()
        }
    }
}
