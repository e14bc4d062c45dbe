import Foundation
import HDF5
import Testing
import TestSupport

/// `method: flow` through `regime run`: results, the time column and the step
/// scale's attribute, bit-identical results for any --jobs, and a failing
/// integrator as failed points with a warning.
@Suite("regime run: gradient flow")
struct FlowRunTests {
    @Test("every point converges on its depth's limit; time and steps are the flow's; the same bits with --jobs 1 and 2")
    func converges() throws {
        let workspace = try Workspace("flow.yaml", label: "flow")
        let run = try workspace.regime("run", ["--jobs", "2"])
        #expect(run.status == 0, "\(run.stderr)")
        let (file, strings, numbers) = try ResultsFiles.summary(workspace.path("results/flow.h5"))
        #expect(try strings("status") == Array(repeating: "ok", count: 6))
        #expect(try strings("stop") == Array(repeating: "residual", count: 6))
        let steps = try numbers("steps"), time = try numbers("time"), lr = try numbers("lr")
        #expect(steps.allSatisfy { $0 > 10 && $0 < 3000 }, "integrator steps \(steps)")
        // Converged long after GD's budget of 2000 steps would end (t = lr·2000).
        #expect(zip(time, lr).allSatisfy { $0 > 0 && $0.isFinite && $0 != $1 * 2000 }, "\(time)")
        let distance = try numbers("dist_q_alpha"), norm = try numbers("l2_norm")
        #expect(zip(distance, norm).allSatisfy { $0 < 1e-6 * $1 }, "dist_q_alpha \(distance)")
        let step = try file.openGroup("trajectories").openDataset("step")
        #expect(try step.attribute("time").stringValue?.hasPrefix("flow time t = lr * step") == true)
        let trajectory = try file.openGroup("trajectories").openDataset("train_mse").readDoubles()
        #expect(trajectory.first { !$0.isNaN } != nil && trajectory.contains { $0.isNaN }, "recorded, then NaN after the stop")
        try file.close()

        let serial = try Workspace("flow.yaml", label: "flow-serial")
        #expect(try serial.regime("run", ["--jobs", "1"]).status == 0)
        #expect(try ResultsFiles.differences(workspace.path("results/flow.h5"), serial.path("results/flow.h5")).isEmpty)
    }

    @Test("a fixed-α q_alpha names its depth (dist_q_alpha_d3): the depth-3 fit at that α sits on it, the depth-2 one visibly does not")
    func fixedReferenceNamesItsDepth() throws {
        let workspace = try Workspace("flow.yaml", label: "flow-fixed")
        let run = try workspace.regime("run", ["--set", "refs.alpha=0.2", "--set", "refs.depth=3"])
        #expect(run.status == 0, "\(run.stderr)")
        let (file, _, numbers) = try ResultsFiles.summary(workspace.path("results/flow.h5"))
        defer { try? file.close() }
        #expect(try file.openGroup("summary").memberNames().contains("dist_q_alpha_d3"))
        #expect(try file.openGroup("references").memberNames().contains("q_alpha_d3"))
        let depth = try numbers("depth"), alpha = try numbers("init_scale")
        let distance = try numbers("dist_q_alpha_d3"), norm = try numbers("l2_norm")
        let same = try #require(depth.indices.first { depth[$0] == 3 && alpha[$0] == 0.2 })
        let other = try #require(depth.indices.first { depth[$0] == 2 && alpha[$0] == 0.2 })
        #expect(distance[same] < 1e-6 * norm[same])
        #expect(distance[other] > 1e-2 * norm[other])
    }

    @Test("an integrator that cannot meet its tolerance: every point failed with stop 'solver' and its time, a warning each, exit 0")
    func integratorFailure() throws {
        let workspace = try Workspace("flow.yaml", label: "flow-failure")
        let run = try workspace.regime("run", ["--set", "fit.optimizer.ode_rtol=1e-30", "--set", "fit.optimizer.ode_atol=1e-300"])
        #expect(run.status == 0, "\(run.stderr)")
        let warnings = run.stderr.split(separator: "\n").filter { $0.contains("warning:") && $0.contains("failed: the flow integrator failed at t =") }
        #expect(warnings.count == 6, "\(run.stderr)")
        let (file, strings, numbers) = try ResultsFiles.summary(workspace.path("results/flow.h5"))
        defer { try? file.close() }
        #expect(try strings("status") == Array(repeating: "failed", count: 6))
        #expect(try strings("stop") == Array(repeating: "solver", count: 6))
        #expect(try numbers("time").allSatisfy { $0.isFinite && $0 >= 0 })
    }
}
