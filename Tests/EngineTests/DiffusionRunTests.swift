import Foundation
import HDF5
import Testing
import TestSupport

/// Diffusion studies through `regime run`: the denoiser fits, their samples in
/// the results file, bit-identical results for any --jobs, a rerun that
/// computes nothing, and bad input as exit 2 with the place named.
@Suite("regime run: diffusion")
struct DiffusionRunTests {
    func workspace(_ label: String) throws -> Workspace {
        let workspace = try Workspace("diffusion.yaml", label: label)
        try FileManager.default.copyItem(atPath: Paths.repository("data/digits.h5").path, toPath: workspace.path("digits.h5"))
        return workspace
    }

    @Test("samples of every denoiser land in /samples with their nearest training images; the memorizer's are training images")
    func samples() throws {
        let workspace = try workspace("diffusion")
        let run = try workspace.regime("run", ["--jobs", "2"])
        #expect(run.status == 0, "\(run.stderr)")
        let file = try File.open(workspace.path("results/diffusion.h5"))
        defer { try? file.close() }
        let summary = try file.openGroup("summary")
        let stage = try summary.openDataset("stage").readStrings()
        #expect(stage == ["samples", "samples", "samples", "linear_samples", "reference"])
        let rate = try summary.openDataset("memorization_rate").readDoubles()
        let nearest = try summary.openDataset("nearest_train_distance").readDoubles()
        #expect(rate[4] == 1 && nearest[4] < 1e-6, "the empirical-optimal denoiser's samples are its training images")
        #expect(try summary.openDataset("test_loss").readDoubles().allSatisfy { $0.isFinite && $0 > 0 })
        #expect(try summary.memberNames().contains("frechet_distance") && summary.memberNames().contains("sample_flops"))
        let images = try file.openDataset("samples/images")
        #expect(try images.shape == [5, 16, 8, 8])
        // Each sample's recorded nearest training image is a digit of the data set, at the distance the summary averages.
        let digits = try File.open(Paths.repository("data/digits.h5").path)
        defer { try? digits.close() }
        let all = try digits.openDataset("images").readDoubles()
        let pixels = try images.readDoubles(), neighbours = try file.openDataset("samples/nearest_train").readDoubles()
        for point in 0..<5 {
            var total = 0.0
            for sample in 0..<16 {
                let base = (point * 16 + sample) * 64
                let neighbour = Array(neighbours[base..<(base + 64)])
                #expect((0..<1797).contains { Array(all[($0 * 64)..<($0 * 64 + 64)]) == neighbour })
                total += zip(pixels[base..<(base + 64)], neighbour).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot()
            }
            #expect(abs(total / 16 - nearest[point]) <= 1e-9 * max(nearest[point], 1))
        }
        // The denoisers' own file: their losses, the GD point's trajectory, and each denoiser's
        // W_t (q × m), b_t and feature centre per step: 120 random features or 64 pixels, 4 steps.
        let fits = try File.open(workspace.path("results/denoisers.h5"))
        defer { try? fits.close() }
        #expect(try !fits.contains("weights") && !file.contains("denoisers"))
        #expect(try fits.openGroup("trajectories").openDataset("train_loss").shape == [4, 5])
        let denoisers = try fits.openGroup("denoisers")
        #expect(try denoisers.openDataset("0/weights").shape == [4, 120, 64] && denoisers.openDataset("0/bias").shape == [4, 64])
        #expect(try denoisers.openDataset("3/weights").shape == [4, 64, 64] && denoisers.openDataset("3/center").shape == [4, 64])

        let serial = try self.workspace("diffusion-serial")
        #expect(try serial.regime("run", ["--jobs", "1"]).status == 0)
        for name in ["diffusion", "denoisers"] {
            #expect(try ResultsFiles.differences(workspace.path("results/\(name).h5"), serial.path("results/\(name).h5")).isEmpty)
        }
        let again = try workspace.regime("run")
        #expect(again.status == 0 && again.stderr.contains("up to date"), "\(again.stderr)")

        // The report shows each point's first samples and their nearest training images, as pictures Pillow decodes
        // to the grey levels of the stored pixels (white 0, black the largest training pixel, 16).
        let page = workspace.path("report.html")
        #expect(try Subprocess.regime(["report", workspace.path("results/diffusion.h5"), "-o", page]).status == 0)
        let decoded = try #require(try Python.json("bmp_pixels.py", [page])["images"] as? [[String: Any]])
        #expect(decoded.count == 10)
        let first = decoded[0]
        // 16 samples in rows of 8, one pixel apart: 8·9 + 1 by 2·9 + 1.
        #expect(first["width"] as? Int == 73 && first["height"] as? Int == 19)
        let grey = try #require(first["grey"] as? [Int])
        for sample in [0, 9] {
            let top = 1 + (sample / 8) * 9, left = 1 + (sample % 8) * 9
            for y in 0..<8 {
                for x in 0..<8 {
                    let value = pixels[sample * 64 + y * 8 + x]
                    let expected = Int((255 * (1 - min(max(value / 16, 0), 1))).rounded())
                    #expect(grey[(top + y) * 73 + left + x] == expected, "sample \(sample) pixel (\(y), \(x))")
                }
            }
        }
    }

    @Test("latent diffusion and conditioning: samples decoded to pixels, class agreement with guidance")
    func latentAndConditioned() throws {
        let workspace = try workspace("diffusion-latent")
        let run = try workspace.regime("run", ["--set", "noisy.latent.pca=12", "--set", "noisy.condition=label",
                                               "--set", "samples.guidance=2"])
        #expect(run.status == 0, "\(run.stderr)")
        let file = try File.open(workspace.path("results/diffusion.h5"))
        defer { try? file.close() }
        let summary = try file.openGroup("summary")
        #expect(try file.openDataset("samples/images").shape == [5, 16, 8, 8])
        let agreement = try summary.openDataset("class_agreement").readDoubles()
        #expect(agreement[4] == 1, "the conditional memorizer draws the asked class: \(agreement)")
        #expect(try summary.openDataset("classifier_test_accuracy").readDoubles().allSatisfy { $0 > 0.8 })
    }

    @Test("bad input: no labels to condition on, images of the wrong shape, σ ≤ 0, no samples, guidance without classes — exit 2, the place named")
    func badInput() throws {
        let cases: [(arguments: [String], message: String)] = [
            (["--set", "digits.y=/none", "--set", "noisy.condition=label"], "condition: label needs class labels"),
            (["--set", "digits.image_shape=[4, 4]"], "digits.h5: /images: holds 8 × 8 images, but image_shape says 4 × 4"),
            (["--set", "noisy.sigma_min=0"], "sigma_min"),
            (["--set", "samples.count=0"], "count"),
            (["--set", "samples.guidance=1"], "guidance needs denoisers that see the class"),
            (["--set", "linear.model=squared", "--set", "linear.init_scale=1"], "a fit of diffusion pairs trains a denoiser"),
            (["--set", "linear.optimizer.method=sgd"], "a denoiser trains by gd or in closed form"),
            (["--set", "linear.input=split"], "stage 'linear_samples' (sample) draws from denoisers, but 'linear' trains on 'split', a split stage"),
        ]
        for (arguments, message) in cases {
            let workspace = try workspace("diffusion-bad")
            let run = try workspace.regime("run", arguments)
            #expect(run.status == 2, "\(arguments): \(run.stderr)")
            #expect(run.stderr.contains(message), "\(arguments): \(run.stderr)")
            #expect(!run.stderr.contains("Fatal error") && !run.stderr.contains("Stack dump"))
        }
    }

    @Test("a diverged denoiser's samples are measured, not a failed run; --force on a fit draws its samples again")
    func divergedAndForced() throws {
        let workspace = try workspace("diffusion-diverged")
        let run = try workspace.regime("run", ["--set", "linear.optimizer.lr=50"])
        #expect(run.status == 0, "\(run.stderr)")
        let file = try File.open(workspace.path("results/diffusion.h5"))
        let summary = try file.openGroup("summary")
        #expect(try summary.openDataset("status").readStrings()[3] == "diverged")
        #expect(try summary.openDataset("memorization_rate").readDoubles()[4] == 1)
        try file.close()
        let forced = try workspace.regime("run", ["--set", "linear.optimizer.lr=50", "--force", "linear", "--dry-run"])
        #expect(forced.status == 0)
        let lines = (forced.stdout + forced.stderr).split(separator: "\n")
        #expect(lines.contains { $0.hasPrefix("linear_samples") && $0.contains("forced") }, "\(forced.stdout)")
        #expect(!lines.contains { $0.hasPrefix("reference") }, "the memorizer's samples stay cached")
    }
}
