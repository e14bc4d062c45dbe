import Foundation
import HDF5
import Report
import ResultsFormat
import Testing
import TestSupport

/// Every study in pipelines/, scaled down, reaches its scientific conclusion.
@Suite("studies")
struct StudiesTests {
    @Test("min-norm: GD from 0 reaches X⁺y; from w₀ it reaches w₀ + X⁺(y − Xw₀) instead")
    func minimumNorm() throws {
        let results = try Study("min-norm").run(["fit.optimizer.steps=5000"],
                                                outputs: ["results": "results.h5", "distances": "distances.svg"])
        let starts = results.strings("init"), distance = results.numbers("dist_min_l2")
        let fromInit = results.numbers("dist_min_l2_init"), norm = results.numbers("l2_norm")
        let zero = starts.firstIndex(of: "constant")!, gaussian = starts.firstIndex(of: "gaussian")!
        #expect(results.strings("stop") == ["residual", "residual"])
        #expect(distance[zero] < 1e-8 * norm[zero], "from 0: the minimum-norm interpolant")
        #expect(fromInit[gaussian] < 1e-8 * norm[gaussian], "from w₀: the interpolant closest to w₀")
        #expect(distance[gaussian] > 0.5 * norm[gaussian], "and not the minimum-norm one")
        // The trajectory of the distance falls to zero.
        let trajectory = try #require(results.trajectory("dist_min_l2"))[zero].filter(\.isFinite)
        #expect(trajectory.first! > 1e3 * trajectory.last!)
    }

    @Test("ridge-path: training error grows with λ, test error is lowest inside the path, GD equals the closed form")
    func ridgePath() throws {
        let results = try Study("ridge-path").run(["fit.optimizer.steps=30000", "fit.sweep.l2={logspace: [-4, 1, 6]}"],
                                                  outputs: ["results": "results.h5", "path-plot": "path.svg"])
        #expect(results.summary.rows == 6 * 5 * 4)
        let train = results.means(of: "train_mse", by: "l2").map(\.mean)
        let test = results.means(of: "test_mse", by: "l2").map(\.mean)
        #expect(train == train.sorted(), "training error \(train)")
        let best = test.indices.min { test[$0] < test[$1] }!
        #expect(best > 0 && best < test.count - 1, "test error \(test) is lowest at the edge")
        // GD with l2: λ against the closed form at the same λ (the matched ridge reference).
        let distances = results.numbers("dist_ridge"), norms = results.numbers("l2_norm")
        #expect(distances.count == 6 * 5 * 4 && norms.count == distances.count)
        #expect(zip(distances, norms).allSatisfy { $0 < 1e-6 * $1 }, "max relative distance \(zip(distances, norms).map { $0 / $1 }.max()!)")
    }

    @Test("kernel-rich (gradient flow, the published setup): every point converges; min_l1 at small α, min_l2 at large α, deeper is richer, the depth-matched q_alpha is the limit")
    func kernelRichFlow() throws {
        let study = try Study("kernel-rich")
        let results = try study.run([], outputs: ["results": "results.h5", "transition": "transition.svg"])
        #expect(results.summary.rows == 3 * 16)
        #expect(results.strings("status").allSatisfy { $0 == "ok" } && results.strings("stop").allSatisfy { $0 == "residual" },
                "every point reaches residual 1e-8: \(Set(results.strings("stop")))")
        let depth = results.numbers("depth")
        let q = results.numbers("dist_q_alpha"), norms = results.numbers("l2_norm")
        #expect(zip(q, norms).allSatisfy { $0 < 1e-6 * $1 }, "the flow's limit is argmin Q^D_α: \(q.max()!)")
        var l1ByDepth: [[Double]] = []
        for d in [2.0, 3.0, 4.0] {
            let l1 = results.means(of: "dist_min_l1", by: "init_scale") { depth[$0] == d }.map(\.mean)
            let l2 = results.means(of: "dist_min_l2", by: "init_scale") { depth[$0] == d }.map(\.mean)
            let test = results.means(of: "test_mse", by: "init_scale") { depth[$0] == d }.map(\.mean)
            #expect(l1.count == 16 && l2.count == 16)
            // In increasing α: monotonely away from min_l1 and towards min_l2, up to
            // the 1e-8 residual the points stop at (deep nets sit on min_l1 to 1e-8 at α ≤ 0.003).
            #expect(zip(l1, l1.dropFirst()).allSatisfy { $0 <= $1 + 1e-7 }, "depth \(d): dist_min_l1 \(l1)")
            #expect(zip(l2, l2.dropFirst()).allSatisfy { $0 >= $1 - 1e-7 }, "depth \(d): dist_min_l2 \(l2)")
            #expect(l1.first! < 0.01 && l2.last! < 1e-6, "depth \(d): the two ends are min_l1 (\(l1.first!)) and min_l2 (\(l2.last!))")
            #expect(test.first! < 1e-3 * test.last!, "depth \(d): test_mse \(test)")
            l1ByDepth.append(l1)
        }
        // At every α < 1, a deeper network is closer to min_l1 (Woodworth et al.:
        // depth sharpens the transition); beyond, all are min_l2 to 1e-6.
        let alphas = results.means(of: "l2_norm", by: "init_scale").map(\.x)
        for index in 0..<16 where alphas[index] < 1 {
            #expect(l1ByDepth[2][index] <= l1ByDepth[1][index] && l1ByDepth[1][index] <= l1ByDepth[0][index],
                    "α #\(index): \(l1ByDepth.map { $0[index] })")
        }
        // The step column is the flow time: lr·step is said in the file.
        let file = try File.open(results.path)
        defer { try? file.close() }
        let step = try file.openGroup("trajectories").openDataset("step")
        #expect(try step.attribute("time").stringValue?.contains("flow time t = lr * step") == true)
    }

    @Test("kernel-rich-gd: small α approaches min_l1, large α min_l2, q_alpha (depth-matched) tracks every interpolating fit, test error falls towards the rich regime")
    func kernelRich() throws {
        let results = try Study("kernel-rich-gd").run([
            "data.n=540", "data.d=200", "split.test=500", "fit.optimizer.steps=150000", "fit.record.every=1500",
            "fit.sweep.init_scale={logspace: [-2.5, 0.5, 5]}",
        ], outputs: ["results": "results.h5", "transition": "transition.svg"])
        let depth = results.numbers("depth")
        for d in [2.0, 3.0] {
            let l1 = results.means(of: "dist_min_l1", by: "init_scale") { depth[$0] == d }.map(\.mean)
            let l2 = results.means(of: "dist_min_l2", by: "init_scale") { depth[$0] == d }.map(\.mean)
            let test = results.means(of: "test_mse", by: "init_scale") { depth[$0] == d }.map(\.mean)
            // In increasing α: away from min_l1, towards min_l2.
            #expect(l1.last! > 10 * l1.first!, "depth \(d): dist_min_l1 \(l1)")
            #expect(l2.first! > 10 * l2.last!, "depth \(d): dist_min_l2 \(l2)")
            #expect(test.first! < 0.1 * test.last!, "depth \(d): test_mse \(test)")
            if d == 2 {
                #expect(l1 == l1.sorted() && l2 == l2.sorted(by: >), "depth 2 is monotone: \(l1), \(l2)")
                let q = results.means(of: "dist_q_alpha", by: "init_scale") { depth[$0] == d }.map(\.mean)
                #expect(!q.isEmpty && q.allSatisfy { $0 < 0.02 }, "dist_q_alpha \(q)")
            }
        }
        // q_alpha is the limit of each point's own depth: every depth-3 point
        // that interpolates sits on it too (depth 2's limit is 0.1–0.7 away there).
        let trainMSE = results.numbers("train_mse"), distance = results.numbers("dist_q_alpha")
        let interpolating = depth.indices.filter { depth[$0] == 3 && trainMSE[$0] < 1e-8 }
        #expect(interpolating.count >= 3, "depth-3 points that interpolate: \(interpolating.count)")
        #expect(interpolating.allSatisfy { distance[$0] < 0.02 }, "\(interpolating.map { distance[$0] })")
    }

    @Test("squared: a nonnegative sparse interpolant from a small init, next to the dense minimum-norm one")
    func squared() throws {
        let results = try Study("squared").run(["fit.optimizer.steps=150000"], outputs: ["results": "results.h5"])
        let model = results.strings("model")
        let squared = model.firstIndex(of: "squared")!, linear = model.firstIndex(of: "linear")!
        let truthDistance = results.numbers("dist_truth"), precision = results.numbers("support_precision")
        #expect(truthDistance[squared] < 0.05, "the squared model recovers the sparse truth")
        #expect(precision[squared] == 1 && results.numbers("support_recall")[squared] == 1)
        #expect(precision[linear] < 0.5, "the linear model's w is dense")
        #expect(results.numbers("dist_min_l2")[linear] < 1e-5)
        #expect(truthDistance[linear] > 10 * truthDistance[squared])
    }

    @Test("double-descent: the risk peaks at d = n, ridge at λ* removes the peak, and the formula matches away from γ = 1")
    func doubleDescent() throws {
        let results = try Study("double-descent").run([
            "data.sweep.d=[40, 80, 100, 125, 200, 400]", "data.sweep.repeat=6",
        ], outputs: ["results": "results.h5", "risk-plot": "risk.svg"])
        let l2 = results.strings("l2")
        // Closed forms take no steps: no step size, and they met their rule.
        #expect(results.numbers("lr").allSatisfy(\.isNaN) && results.numbers("converged").allSatisfy { $0 == 1 })
        let minimumNorm = results.means(of: "population_risk", by: "d") { l2[$0] == "0" }
        let oracle = results.means(of: "population_risk", by: "d") { l2[$0] == "oracle" }
        let theory = results.means(of: "asymptotic_risk", by: "d") { l2[$0] == "0" }
        let peak = minimumNorm.max { $0.mean < $1.mean }!
        #expect(peak.x == 100, "the peak is at d = \(peak.x)")
        #expect(oracle.count == minimumNorm.count && oracle.allSatisfy { $0.mean < 1.2 }, "ridge at λ*: \(oracle.map(\.mean))")
        #expect(oracle.first { $0.x == 100 }!.mean < 0.1 * peak.mean)
        for (measured, predicted) in zip(minimumNorm, theory) where measured.x != 100 && measured.x != 125 {
            #expect(abs(measured.mean / predicted.mean - 1) < 0.2, "d = \(measured.x): \(measured.mean) vs \(predicted.mean)")
        }
    }

    @Test("early-stopping: GD at step t has the risk of ridge at λ = 1/(η·t), within Ali et al.'s factor")
    func earlyStopping() throws {
        let results = try Study("early-stopping").run(["gd.optimizer.steps=1000", "ridge.sweep.l2={logspace: [-2, 1, 7]}"],
                                                      outputs: ["results": "results.h5", "path-plot": "path.svg"])
        let stages = results.strings("stage"), l2 = results.numbers("l2"), risk = results.numbers("population_risk")
        let gd = stages.firstIndex(of: "gd")!
        let trajectory = try #require(results.trajectory("population_risk"))[gd]
        var pairs = 0
        for row in stages.indices where stages[row] == "ridge" {
            let step = Int((1 / (0.1 * l2[row])).rounded())
            guard let position = results.steps.firstIndex(of: step), trajectory[position].isFinite else { continue }
            let ratio = trajectory[position] / risk[row]
            #expect(ratio < 1.69 && ratio > 1 / 1.69, "t = \(step): GD \(trajectory[position]) vs ridge \(risk[row])")
            pairs += 1
        }
        #expect(pairs >= 6)
    }
}

/// The diffusion studies, scaled down.
@Suite("diffusion studies")
struct DiffusionStudiesTests {
    @Test("memorization: few images and small λ memorize, more λ or more images do not; the test loss is lowest inside the λ path")
    func memorization() throws {
        // 500 features, 6 steps, 5 or 50 images with 2,000 pairs per step each, 32 samples.
        let results = try Study("memorization").run([
            "noisy.steps=6", "noisy.sweep.zip={images: [5, 50], copies: [400, 40]}", "denoiser.features=500",
            "samples.count=32", "reference.count=32",
        ], outputs: ["results": "results.h5"])
        let stage = results.strings("stage"), images = results.numbers("images"), l2 = results.numbers("l2")
        let rate = results.numbers("memorization_rate"), loss = results.numbers("test_loss")
        func rates(_ n: Double) -> [Double] { rate.indices.filter { stage[$0] == "samples" && images[$0] == n }.sorted { l2[$0] < l2[$1] }.map { rate[$0] } }
        func losses(_ n: Double) -> [Double] { loss.indices.filter { stage[$0] == "samples" && images[$0] == n }.sorted { l2[$0] < l2[$1] }.map { loss[$0] } }
        // The empirical-optimal reference memorizes everything.
        #expect(rate.indices.filter { stage[$0] == "reference" }.allSatisfy { rate[$0] == 1 })
        let few = rates(5), many = rates(50)
        #expect(few.count == 9 && many.count == 9)
        #expect(few[0] >= 0.4, "5 images, λ = 1e-6: \(few)")
        // Falls with λ (never rising by more than one sample in 32) to none.
        #expect(zip(few, few.dropFirst()).allSatisfy { $1 <= $0 + 1.0 / 32 }, "\(few)")
        #expect(few.last! == 0)
        // Falls with the number of images, at every λ.
        #expect(zip(few, many).allSatisfy { $1 <= $0 } && many[0] < few[0] - 0.3, "5: \(few), 50: \(many)")
        // The test denoising loss: lowest strictly inside the λ path, for both image counts.
        for n in [5.0, 50] {
            let path = losses(n), best = path.indices.min { path[$0] < path[$1] }!
            #expect(best > 0 && best < path.count - 1, "\(n) images: \(path)")
        }
    }

    @Test("latent: every pixel-space denoiser is beaten by a latent one at no more compute, and the lowest Fréchet distance is latent")
    func latent() throws {
        var overrides: [String] = []
        for stage in ["pixels", "latent"] { overrides += ["\(stage).steps=6", "\(stage).images=200", "\(stage).copies=10"] }
        overrides += ["pixel_fit.sweep.features=[125, 500]", "latent_fit.sweep.features=[125, 500]"]
        let results = try Study("latent").run(overrides, outputs: ["results": "results.h5"])
        let stage = results.strings("stage"), distance = results.numbers("frechet_distance"), flops = results.numbers("sample_flops")
        let pixel = stage.indices.filter { stage[$0] == "pixel_samples" }, latent = stage.indices.filter { stage[$0] == "latent_samples" }
        #expect(pixel.count == 4 && latent.count == 8)
        for p in pixel {
            #expect(latent.contains { flops[$0] <= flops[p] && distance[$0] < distance[p] },
                    "pixel point \(p): distance \(distance[p]) at \(flops[p]) flops is not beaten: \(latent.map { (flops[$0], distance[$0]) })")
        }
        #expect(latent.contains { l in distance[l] < pixel.map { distance[$0] }.min()! })
    }

    @Test("conditioning: class agreement rises with the guidance scale")
    func conditioning() throws {
        let results = try Study("conditioning").run([
            "noisy.steps=6", "noisy.images=200", "noisy.copies=10", "denoiser.features=400", "denoiser.sweep.l2=[0.3]",
            "samples.count=100", "samples.sweep.guidance=[0, 1, 4]",
        ], outputs: ["results": "results.h5"])
        let agreement = results.means(of: "class_agreement", by: "guidance").map(\.mean)
        #expect(agreement.count == 3)
        #expect(zip(agreement, agreement.dropFirst()).allSatisfy { $1 > $0 }, "\(agreement)")
        #expect(agreement.last! - agreement.first! > 0.3, "\(agreement)")
        // The judge is a good classifier of real digits.
        #expect(results.numbers("classifier_test_accuracy").allSatisfy { $0 > 0.9 })
    }
}

/// The CRF studies, scaled down.
@Suite("CRF studies")
struct CRFStudiesTests {
    @Test("crf-path: with 30 training sequences, train accuracy falls with λ while test accuracy peaks inside the path")
    func regularizationPath() throws {
        let results = try Study("crf-path").run(["crf.sweep.l2={logspace: [-5, 1, 7]}"], outputs: ["results": "results.h5"])
        let train = results.means(of: "train_token_accuracy", by: "l2").map(\.mean)
        let test = results.means(of: "test_token_accuracy", by: "l2").map(\.mean)
        #expect(train.count == 7)
        #expect(zip(train, train.dropFirst()).allSatisfy { $1 <= $0 } && train.last! < train.first!, "\(train)")
        let best = test.indices.max { test[$0] < test[$1] }!
        #expect(best > 0 && best < test.count - 1, "\(test)")
        #expect(test[best] > test.first! + 0.01 && test[best] > test.last! + 0.01, "\(test)")
        #expect(results.numbers("converged").allSatisfy { $0 == 1 })
    }

    @Test("crf-sparsity: l1 keeps exactly the informative features at large λ, l2 keeps them all")
    func sparsity() throws {
        let results = try Study("crf-sparsity").run([
            "data.n=300", "split.test=100", "l1.sweep.l1=[0.0001, 0.0316]", "l2.sweep.l2=[0.0001, 0.0316]",
        ], outputs: ["results": "results.h5"])
        let stage = results.strings("stage"), precision = results.numbers("support_precision"), recall = results.numbers("support_recall")
        let l1 = stage.indices.filter { stage[$0] == "l1" }, l2 = stage.indices.filter { stage[$0] == "l2" }
        // l2: every one of the 60 features, 12 of them informative.
        #expect(l2.allSatisfy { abs(precision[$0] - 0.2) < 1e-12 && recall[$0] == 1 })
        // l1 at the larger λ: the 12 and nothing else.
        #expect(precision[l1[1]] == 1 && recall[l1[1]] == 1, "\(l1.map { (precision[$0], recall[$0]) })")
        #expect(precision[l1[0]] < precision[l1[1]])
        let accuracy = results.numbers("test_token_accuracy")
        #expect(accuracy[l1[1]] >= l2.map { accuracy[$0] }.max()! - 0.01)
    }

    @Test("crf-structure: the CRF's lead over per-token softmax grows with stickiness from none at uniform transitions")
    func structure() throws {
        let results = try Study("crf-structure").run(["data.sweep.hmm.stickiness=[0, 0.5, 0.9]"], outputs: ["results": "results.h5"])
        let stage = results.strings("stage")
        let crf = results.means(of: "test_token_accuracy", by: "hmm.stickiness") { stage[$0] == "crf" }.map(\.mean)
        let softmax = results.means(of: "test_token_accuracy", by: "hmm.stickiness") { stage[$0] == "softmax" }.map(\.mean)
        let gap = zip(crf, softmax).map { $0 - $1 }
        #expect(gap.count == 3)
        #expect(abs(gap[0]) < 0.01, "ρ = 0: \(gap)")
        #expect(gap[1] > gap[0] + 0.02 && gap[2] > gap[1] + 0.05, "\(gap)")
    }
}
