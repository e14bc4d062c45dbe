import Foundation
import LinearAlgebra

extension Trainer {
    /// One point's gradient flow while a batch runs: its ODE, integrator, and
    /// what its stopping rules remember.
    final class FlowRun {
        let flow: GradientFlow
        let integrator: StiffIntegrator
        /// t_max.
        let horizon: Double
        let rate: Double
        let spec: FitSpec
        var initialLoss = Double.nan
        var previousObjective = Double.nan
        var previousTime = 0.0
        var reason: StopReason?
        var message: String?

        init(flow: GradientFlow, integrator: StiffIntegrator, horizon: Double, rate: Double, spec: FitSpec) {
            self.flow = flow
            self.integrator = integrator
            self.horizon = horizon
            self.rate = rate
            self.spec = spec
        }

        var time: Double { integrator.time }
    }

    /// Method flow (`GradientFlow`): every point integrates its own ODE; the
    /// batch moves in lockstep from one recorded step s to the next, each point
    /// to its time η·s, checking its stopping rules after every integrator
    /// step; at each record the batch's columns are filled from the points'
    /// states and measured by the same code as GD's.
    func trainFlow(progress: ((Int) -> Void)?) -> BatchOutput {
        let clock = ContinuousClock()
        let start = clock.now
        var finished = 0
        var runs: [FlowRun?] = []
        let scratch = GradientFlow.Scratch(n: n, d: d)
        for k in 0..<width {
            let spec = points[k], rate = field(.lr)[k]
            let flow = GradientFlow(spec: spec, start: (0..<d).map { theta0[$0 * width + k] }, x: x, y: y, n: n, d: d,
                                    scratch: scratch)
            do {
                let integrator = try StiffIntegrator(
                    start: [Double](repeating: 0, count: n), tolerance: spec.method.flowTolerance,
                    rightHandSide: { t, s, f in flow.derivative(at: t, state: s, into: f) },
                    jacobian: { t, s, j in flow.jacobian(at: t, state: s, into: j) })
                let run = FlowRun(flow: flow, integrator: integrator,
                                  horizon: spec.stopping.timeBudget ?? rate * Double(spec.stopping.steps), rate: rate, spec: spec)
                run.initialLoss = flow.evaluate(at: 0, state: integrator.state)
                check(run)
                runs.append(run)
            } catch {
                runs.append(nil)
                outcomes[k] = PointOutcome(reason: .solver, learningRate: rate, time: 0)
            }
        }

        let records = recordedSteps.count
        var cancelled = false
        for phase in 0...records where active > 0 {
            if let cancellation, cancellation() {
                cancelled = true
                break
            }
            let pointOf = field(.point)
            for column in 0..<active where !cancelled {
                guard let run = runs[Int(pointOf[column])] else { continue }
                let target = phase < records ? min(run.rate * Double(recordedSteps[phase]), run.horizon) : run.horizon
                cancelled = !advance(run, to: target)
            }
            if cancelled { break }
            // The batch's columns at the points' times: θ, W, P = X·W, the loss and every metric.
            for column in 0..<active {
                let point = Int(pointOf[column])
                guard let run = runs[point] else {
                    for j in 0..<d { w[j * active + column] = .nan }
                    stopReasons[column] = .solver
                    continue
                }
                // `check` evaluated the point at its state after its last step, so the
                // flow's weights are current — unless the integrator failed, when
                // its last evaluation was a rejected trial state.
                if run.reason == .solver { _ = run.flow.evaluate(at: run.time, state: run.integrator.state) }
                let count = active
                for j in 0..<d { w[j * count + column] = run.flow.weights[j] }
                for j in 0..<d { theta1[j * count + column] = 0 }
                run.flow.parameters(at: run.time, u: { j, value in self.theta0[j * count + column] = value },
                                    v: { j, value in self.theta1[j * count + column] = value })
                stopReasons[column] = run.reason
            }
            predict(rows: 0..<n, from: x)
            evaluateLoss(rows: n, labels: y)
            penaltiesCurrent = false
            updateObjective()
            computeMetrics()
            if phase < records {
                let metricCount = layout.count
                for column in 0..<active {
                    let point = Int(pointOf[column])
                    // A point that stopped before this record's time has no value there.
                    guard let run = runs[point], run.time >= run.rate * Double(recordedSteps[phase]) || run.reason == nil else { continue }
                    for metric in 0..<metricCount {
                        trajectories[(point * metricCount + metric) * records + phase] = values[metric * width + column]
                    }
                }
            }
            if phase == records {
                // Past the last record, every point runs to a rule or its horizon.
                for column in 0..<active where stopReasons[column] == nil { stopReasons[column] = .time }
            }
            let stopped = (0..<active).filter { stopReasons[$0] != nil }.map { Int(pointOf[$0]) }
            if !stopped.isEmpty {
                let seconds = (clock.now - start).seconds
                finished += finalizeStopped(step: 0, seconds: seconds)
                for point in stopped {
                    guard let run = runs[point] else { continue }
                    let statistics = run.integrator.statistics
                    outcomes[point].steps = statistics.steps
                    outcomes[point].time = run.time
                    outcomes[point].evaluations = run.flow.evaluations
                    outcomes[point].jacobians = run.flow.jacobians
                }
                progress?(finished)
            }
        }
        var output = collectOutput()
        output.cancelled = cancelled
        output.space = space
        output.messages = runs.enumerated().compactMap { point, run in run?.message.map { (point, $0) } }
        return output
    }

    /// Integrates one point to `target`, one integrator step at a time, until a
    /// stopping rule ends it; false when `cancellation` interrupted it.
    private func advance(_ run: FlowRun, to target: Double) -> Bool {
        var taken = 0
        while run.reason == nil, run.time < target {
            taken += 1
            if taken & 63 == 0, let cancellation, cancellation() { return false }
            do {
                _ = try run.integrator.step(until: target)
            } catch {
                run.reason = .solver
                run.message = "the flow integrator failed at t = \(run.time): \(error)"
                return true
            }
            check(run)
        }
        return true
    }

    /// The stopping rules at the point's current state, in GD's order
    /// (divergence, tol, residual, rtol), then the flow's budgets. rtol reads
    /// the objective's change over the last integrator step per time η — its
    /// change in one GD step.
    private func check(_ run: FlowRun) {
        let loss = run.flow.evaluate(at: run.time, state: run.integrator.state)
        let objective = loss + run.flow.penalty(at: run.time)
        let stopping = run.spec.stopping
        if !loss.isFinite || loss > stopping.divergenceFactor * max(run.initialLoss, 1e-300) {
            run.reason = .diverged
        } else if let tol = stopping.tol, objective <= tol {
            run.reason = .tol
        } else if let tol = stopping.residualTol, key.loss == .squared, (2 * Double(n) * loss).squareRoot() <= tol * yNorm {
            run.reason = .residual
        } else if let rtol = stopping.rtol, run.time > run.previousTime,
                  abs(objective - run.previousObjective) * run.rate / (run.time - run.previousTime) <= rtol * abs(run.previousObjective) {
            // GD's rule per step of size η: the change over this integrator step, per time η.
            run.reason = .rtol
        } else if run.time >= run.horizon {
            run.reason = .time
        } else if run.flow.evaluations >= stopping.evaluations {
            run.reason = .evaluations
        }
        run.previousObjective = objective
        run.previousTime = run.time
    }
}

extension OptimizerMethod {
    /// The flow's tolerance (the default for the other methods).
    var flowTolerance: FlowTolerance {
        if case .flow(let tolerance) = self { return tolerance }
        return FlowTolerance()
    }
}
