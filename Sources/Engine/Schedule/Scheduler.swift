import Base
import Dispatch

/// Runs a DAG of units on Dispatch with at most `jobs` in flight. A unit starts
/// as soon as all of its own dependencies have finished — there are no
/// level-by-level barriers.
///
/// Units run on `jobs` serial queues ("lanes"), one unit per lane at a time.
/// A custom concurrent queue would not do: libdispatch on Linux sizes its pool
/// by the core count and does not notice threads that block, so a ready unit
/// could wait for a thread while a lane's worth of capacity sits unused;
/// serial queues get threads of their own. A failed unit stops its dependents
/// (transitively); without `keepGoing` no new unit starts after a failure, and
/// the running ones finish. Units that may run despite failed inputs (an output
/// with `--keep-going`) say so through `runsDespiteFailedInputs`.
///
/// Every decision is taken under one lock (`Locked`), and units are started
/// outside it; the compiler checks that nothing else is shared.
final class Scheduler: Sendable {
    enum Outcome: Equatable, Sendable {
        case succeeded
        case failed(String)
        /// Not run: an input failed, or the run stopped.
        case skipped(String)
    }

    private struct State {
        var waiting: [Int]
        var outcomes: [Outcome?]
        var failedInputs: [Set<Int>]
        var ready: [Int] = []
        var freeLanes: [Int]
        var running = 0
        var stopping = false
        var remaining: Int
        var signalled = false
    }

    private let dependencies: [[Int]]
    private let dependents: [[Int]]
    private let jobs: Int
    private let keepGoing: Bool
    private let runsDespiteFailedInputs: @Sendable (Int) -> Bool
    private let lanes: [DispatchQueue]
    private let state: Locked<State>
    private let finished = DispatchSemaphore(value: 0)

    init(dependencies: [[Int]], jobs: Int, keepGoing: Bool,
         runsDespiteFailedInputs: @escaping @Sendable (Int) -> Bool = { _ in false }) {
        self.dependencies = dependencies
        self.jobs = max(1, jobs)
        self.keepGoing = keepGoing
        self.runsDespiteFailedInputs = runsDespiteFailedInputs
        lanes = (0..<max(1, jobs)).map { DispatchQueue(label: "regime.lane.\($0)") }
        var dependents = [[Int]](repeating: [], count: dependencies.count)
        for (unit, inputs) in dependencies.enumerated() { for input in inputs { dependents[input].append(unit) } }
        self.dependents = dependents
        var initial = State(waiting: dependencies.map(\.count), outcomes: Array(repeating: nil, count: dependencies.count),
                            failedInputs: Array(repeating: [], count: dependencies.count),
                            freeLanes: Array((0..<max(1, jobs)).reversed()), remaining: dependencies.count)
        initial.ready = dependencies.indices.filter { dependencies[$0].isEmpty }
        state = Locked(initial)
    }

    /// Runs every unit through `execute` (called on a lane's thread) and returns
    /// each unit's outcome. `stop()` from any thread makes it start nothing new.
    func run(_ execute: @escaping @Sendable (Int, _ failedInputs: Set<Int>) throws -> Void) -> [Outcome] {
        if dependencies.isEmpty { return [] }
        launch(execute)
        finished.wait()
        return state.withLock { $0.outcomes.map { $0 ?? .skipped("not started") } }
    }

    /// Starts no further unit; running units finish.
    func stop() {
        let done = state.withLock { state -> Bool in
            state.stopping = true
            return Scheduler.drainIfIdle(&state)
        }
        if done { finished.signal() }
    }

    /// Starts ready units while there is room (decided under the lock, started outside it).
    private func launch(_ execute: @escaping @Sendable (Int, Set<Int>) throws -> Void) {
        let (starts, done) = state.withLock { state -> ([(unit: Int, lane: Int, failed: Set<Int>)], Bool) in
            var starts: [(unit: Int, lane: Int, failed: Set<Int>)] = []
            while state.running < jobs, !state.stopping, !state.ready.isEmpty, let lane = state.freeLanes.popLast() {
                let unit = state.ready.removeFirst()
                state.running += 1
                starts.append((unit, lane, state.failedInputs[unit]))
            }
            return (starts, Scheduler.drainIfIdle(&state))
        }
        for (unit, lane, failed) in starts {
            lanes[lane].async { [self] in
                let outcome: Outcome
                do {
                    try execute(unit, failed)
                    outcome = .succeeded
                } catch {
                    outcome = .failed("\(error)")
                }
                complete(unit, lane: lane, outcome, execute)
            }
        }
        if done { finished.signal() }
    }

    private func complete(_ unit: Int, lane: Int, _ outcome: Outcome, _ execute: @escaping @Sendable (Int, Set<Int>) throws -> Void) {
        state.withLock { state in
            state.freeLanes.append(lane)
            state.running -= 1
            state.outcomes[unit] = outcome
            state.remaining -= 1
            if case .failed = outcome, !keepGoing { state.stopping = true }
            for dependent in dependents[unit] {
                if outcome != .succeeded { state.failedInputs[dependent].insert(unit) }
                state.waiting[dependent] -= 1
                if state.waiting[dependent] == 0 {
                    if state.failedInputs[dependent].isEmpty || (keepGoing && runsDespiteFailedInputs(dependent)) {
                        state.ready.append(dependent)
                    } else {
                        skip(dependent, because: "an input failed", &state)
                    }
                }
            }
        }
        launch(execute)
    }

    private func skip(_ unit: Int, because reason: String, _ state: inout State) {
        guard state.outcomes[unit] == nil else { return }
        state.outcomes[unit] = .skipped(reason)
        state.remaining -= 1
        for dependent in dependents[unit] {
            state.failedInputs[dependent].insert(unit)
            state.waiting[dependent] -= 1
            if state.waiting[dependent] == 0 { skip(dependent, because: reason, &state) }
        }
    }

    /// When stopping (or done) and nothing runs, marks what never started as
    /// skipped; returns true the one time `run` should be released.
    private static func drainIfIdle(_ state: inout State) -> Bool {
        guard state.running == 0 else { return false }
        if state.stopping {
            for unit in state.outcomes.indices where state.outcomes[unit] == nil {
                state.outcomes[unit] = .skipped("the run stopped")
                state.remaining -= 1
            }
            state.ready.removeAll()
        }
        guard state.remaining <= 0, !state.signalled else { return false }
        state.signalled = true
        return true
    }
}
