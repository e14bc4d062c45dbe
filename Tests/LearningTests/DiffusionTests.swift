import Datasets
import Foundation
import HDF5
import Learning
import LinearAlgebra
import Testing
import TestSupport

/// Diffusion denoisers against NumPy and scikit-learn on the same noisy pairs
/// (Tests/interop/diffusion_reference.py), and the forward process against its schedule.
@Suite("diffusion denoisers")
struct DiffusionTests {
    /// The first `count` digits of data/digits.h5 as training images, the next 20 as test images.
    static func digits(_ count: Int, test: Int = 20) throws -> (ImageSet, ImageSet) {
        let (data, _) = try Dataset.loadHDF5(path: Paths.repository("data/digits.h5").path, x: "/images", y: "/labels")
        let labels = data.y.map { Int($0) }
        let train = ImageSet(images: data.x.selectingRows(0..<count), shape: [8, 8], labels: Array(labels[0..<count]))
        let held = ImageSet(images: data.x.selectingRows(count..<(count + test)), shape: [8, 8],
                            labels: Array(labels[count..<(count + test)]))
        return (train, held)
    }

    static let schedule = NoiseSchedule(steps: 3, first: 0.5, last: 8, spacing: .geometric)

    static func data(images: Int = 30, copies: Int = 4) throws -> DiffusionData {
        let (train, test) = try digits(images)
        return try DiffusionData(train: train, test: test, schedule: schedule, copies: copies, stream: RandomStream(seed: 7).derived("diffuse"))
    }

    /// The reference script's answers for `data`, λ, GD's rate and steps, and (for random features) A and c.
    static func reference(_ data: DiffusionData, lambda: Double, rate: Double, steps: Int, alpha: Double,
                          features: RandomFeatures?) throws -> (File, TemporaryDirectory) {
        let dir = try TemporaryDirectory("diffusion-reference")
        let input = dir.file("in.h5"), output = dir.file("out.h5")
        let file = try File.create(input)
        try file.write("images", data.train.images.storage, shape: [data.train.count, data.train.pixels])
        try file.write("sigmas", data.schedule.sigmas)
        for t in 1...data.schedule.steps {
            for (part, pairs) in [("train", data.trainPairs[t - 1]), ("test", data.testPairs![t - 1])] {
                try file.write("\(part)/\(t)/noisy", pairs.noisy.storage, shape: [pairs.noisy.rows, pairs.noisy.columns])
                try file.write("\(part)/\(t)/noise", pairs.noise.storage, shape: [pairs.noise.rows, pairs.noise.columns])
            }
        }
        if let features {
            try file.write("A", features.weights.storage, shape: [features.weights.rows, features.weights.columns])
            try file.write("c", features.offsets)
        }
        try file.setAttribute("lambda", lambda)
        try file.setAttribute("rate", rate)
        try file.setAttribute("steps", Int64(steps))
        try file.setAttribute("alpha", alpha)
        try file.close()
        _ = try Python.run("diffusion_reference.py", [input, output])
        return (try File.open(output), dir)
    }

    static func train(_ data: DiffusionData, _ points: [DenoiserSpec], features: RandomStream = RandomStream(seed: 3)) throws -> DenoiserOutput {
        let batch = DenoiserBatch(data: data, points: points, initStreams: points.map { _ in RandomStream(seed: 11) },
                                  featureStreams: points.map { _ in features })
        return try batch.run()
    }

    @Test("the forward process's increments have the schedule's variances, and x_t = x_0 + Σ ε_s")
    func forwardProcess() throws {
        let data = try Self.data(images: 100, copies: 20)
        for t in 1...3 {
            let noise = data.trainPairs[t - 1].noise.storage
            let variance = noise.reduce(0) { $0 + $1 * $1 } / Double(noise.count)
            let sigma2 = Self.schedule.sigmas[t - 1] * Self.schedule.sigmas[t - 1]
            // 128,000 draws: the sample variance's relative sd is √(2/128000) = 0.4%; 2% is 5 sd.
            #expect(abs(variance / sigma2 - 1) < 0.02, "t = \(t): \(variance) vs \(sigma2)")
        }
        // x_t − x_{t−1} = ε_t, row by row.
        let row = 37, d = 64, image = data.trainPairs[0].image[row]
        for j in 0..<d {
            let x0 = data.train.images[image, j]
            #expect(abs(data.trainPairs[0].noisy[row, j] - x0 - data.trainPairs[0].noise[row, j]) < 1e-12)
            #expect(abs(data.trainPairs[2].noisy[row, j] - data.trainPairs[1].noisy[row, j] - data.trainPairs[2].noise[row, j]) < 1e-12)
        }
        #expect(Self.schedule.sigmas.first == 0.5 && Self.schedule.sigmas.last == 8)
        #expect(abs(Self.schedule.sigmas[1] - 2) < 1e-12)  // geometric: 0.5, 2, 8
        // Nested image counts share their images' noise.
        let fewer = try Self.data(images: 10, copies: 20)
        #expect(fewer.trainPairs[1].noisy.storage == Array(data.trainPairs[1].noisy.storage.prefix(10 * 20 * d)))
    }

    @Test("linear and random-features ridge equal scikit-learn's Ridge to 1e-10, and λ = 0 lstsq's minimum-norm solution to 1e-9")
    func ridgeAgrees() throws {
        let data = try Self.data()
        for width in [nil, 40, 200] as [Int?] {
            let model: DenoiserModel = width.map { .randomFeatures(width: $0) } ?? .linear
            let random = width.map { RandomFeatures(width: $0, inputs: 64, stream: RandomStream(seed: 3)) }
            for lambda in [0.05, 0.0] {
                let output = try Self.train(data, [DenoiserSpec(model: model, l2: lambda)])
                let weights = try #require(output.results[0].weights)
                let (answer, dir) = try Self.reference(data, lambda: max(lambda, 1e-300), rate: 0.1, steps: 1, alpha: 0, features: random)
                defer { try? answer.close(); _ = dir }
                for t in 1...3 {
                    let step = weights.steps[t - 1]
                    if lambda > 0 {
                        let w = try answer.openDataset("\(t)/ridge_W").readDoubles()
                        let b = try answer.openDataset("\(t)/ridge_b").readDoubles()
                        #expect(relativeDistance(step.weights.storage, w) < 1e-10, "\(model) t = \(t)")
                        // b here is the intercept at the centred features: ē; scikit-learn's, moved to them.
                        #expect(relativeDistance(step.bias, b) < 1e-10, "\(model) t = \(t)")
                        let trainLoss = try answer.openDataset("\(t)/ridge_train_loss").readDoubles()[0]
                        let testLoss = try answer.openDataset("\(t)/ridge_test_loss").readDoubles()[0]
                        let names = output.metricNames
                        #expect(abs(output.results[0].metrics[names.firstIndex(of: "train_loss_t\(t)")!] / trainLoss - 1) < 1e-9)
                        #expect(abs(output.results[0].metrics[names.firstIndex(of: "test_loss_t\(t)")!] / testLoss - 1) < 1e-9)
                    } else {
                        let w = try answer.openDataset("\(t)/lstsq_W").readDoubles()
                        // A pseudo-inverse: the error scales with the features' condition number (measured ≤ 2e-11).
                        #expect(relativeDistance(step.weights.storage, w) < 1e-9, "\(model) t = \(t) λ = 0")
                    }
                }
            }
        }
    }

    @Test("GD's closed-form iterates equal a plain GD loop after 40 steps, from W₀ = α")
    func gdAgrees() throws {
        let data = try Self.data()
        let steps = 40, lambda = 0.01, alpha = 0.02
        for width in [nil, 60] as [Int?] {
            let model: DenoiserModel = width.map { .randomFeatures(width: $0) } ?? .linear
            let random = width.map { RandomFeatures(width: $0, inputs: 64, stream: RandomStream(seed: 3)) }
            let spec = DenoiserSpec(model: model, l2: lambda, initScale: alpha, exact: false, learningRate: .auto(scale: 0.9),
                                    stopping: Stopping(steps: steps), recordEvery: 10)
            let output = try Self.train(data, [spec])
            let result = output.results[0], rate = result.learningRate
            #expect(result.steps == steps && result.stop == .steps)
            #expect(result.trajectory.map(\.step) == [0, 10, 20, 30, 40])
            let (answer, dir) = try Self.reference(data, lambda: lambda, rate: rate, steps: steps, alpha: alpha, features: random)
            defer { try? answer.close(); _ = dir }
            for t in 1...3 {
                let step = try #require(result.weights).steps[t - 1]
                #expect(relativeDistance(step.weights.storage, try answer.openDataset("\(t)/gd_W").readDoubles()) < 1e-10)
                #expect(relativeDistance(step.bias, try answer.openDataset("\(t)/gd_b").readDoubles()) < 1e-10)
            }
            // The recorded final training loss is the measured one.
            let recorded = result.trajectory.last!.values[0]
            #expect(abs(recorded / result.metrics[0] - 1) < 1e-9)
            let recordedTest = result.trajectory.last!.values[1]
            #expect(abs(recordedTest / result.metrics[1] - 1) < 1e-9)
        }
    }

    @Test("GD stops where a step-by-step check of tol and rtol would")
    func gdStopping() throws {
        let data = try Self.data(images: 12, copies: 3)
        let base = DenoiserSpec(model: .linear, l2: 0.001, initScale: 0, exact: false, learningRate: .auto(scale: 1),
                                stopping: Stopping(steps: 5000), recordEvery: 0)
        var rtolSpec = base
        rtolSpec.stopping.rtol = 1e-3
        let rtol = try Self.train(data, [rtolSpec]).results[0]
        #expect(rtol.stop == .rtol && rtol.converged == 1)
        // The objective's relative change per step, by brute force over the recorded closed form.
        var everyStep = base
        everyStep.stopping.steps = rtol.steps
        everyStep.recordEvery = 1
        let recorded = try Self.train(data, [everyStep])
        let objective = recorded.metricNames.firstIndex(of: "objective")!
        let path = recorded.results[0].trajectory.map { $0.values[objective] }
        #expect(abs(path.last! / recorded.results[0].metrics[objective] - 1) < 1e-9)
        let changes = (1..<path.count).map { abs(path[$0] - path[$0 - 1]) / abs(path[$0 - 1]) }
        #expect(changes.last! <= 1e-3)
        #expect(changes.dropLast().allSatisfy { $0 > 1e-3 })
        var tolSpec = base
        tolSpec.stopping.tol = path[path.count / 2]
        let tol = try Self.train(data, [tolSpec]).results[0]
        #expect(tol.stop == .tol && tol.steps == path.firstIndex { $0 <= path[path.count / 2] })
        // A step size beyond 2/L diverges, and says when.
        var wild = base
        wild.learningRate = .auto(scale: 2.5)
        let diverged = try Self.train(data, [wild]).results[0]
        #expect(diverged.status == .diverged && diverged.stop == .diverged && diverged.steps < 5000)
    }

    @Test("the empirical-optimal and Wiener denoisers equal direct NumPy computations")
    func closedFormDenoisers() throws {
        let data = try Self.data()
        let context = DenoiserContext(data)
        let (answer, dir) = try Self.reference(data, lambda: 1, rate: 0.1, steps: 1, alpha: 0, features: nil)
        defer { try? answer.close(); _ = dir }
        let wiener = Denoiser(model: .wiener, context: context, random: nil,
                              weights: try WienerFilter.weights(data.train.images, schedule: data.schedule), points: data.train.images)
        let empirical = Denoiser(model: .empiricalOptimal, context: context, random: nil, weights: nil, points: data.train.images)
        for t in 1...3 {
            let x = data.testPairs![t - 1].noisy
            #expect(relativeDistance(empirical.predict(x, t: t).storage, try answer.openDataset("\(t)/empirical").readDoubles()) < 1e-10)
            #expect(relativeDistance(wiener.predict(x, t: t).storage, try answer.openDataset("\(t)/wiener").readDoubles()) < 1e-10)
        }
    }
}

/// The reverse process and what its samples are measured by.
@Suite("diffusion sampling")
struct SamplingTests {
    @Test("driven by the empirical-optimal denoiser from small noise, the deterministic sampler returns training images")
    func empiricalSamplerMemorizes() throws {
        let (train, test) = try DiffusionTests.digits(25)
        let schedule = NoiseSchedule(steps: 20, first: 0.05, last: 15, spacing: .geometric)
        let data = try DiffusionData(train: train, test: test, schedule: schedule, copies: 1, stream: RandomStream(seed: 1))
        let denoiser = Denoiser(model: .empiricalOptimal, context: DenoiserContext(data), random: nil, weights: nil, points: train.images)
        for mode in SamplingMode.allCases {
            let samples = Sampler.sample(denoiser, count: 40, mode: mode, stream: RandomStream(seed: 5))
            let metrics = try SampleMetrics(samples: samples, train: train.images, test: test.images, components: 5)
            #expect(metrics.memorizationRate == 1, "\(mode)")
            // Pixel values span 0–16: within 1e-3 of a training image is that image.
            #expect(metrics.nearestTrain < 1e-3, "\(mode): \(metrics.nearestTrain)")
            // Several training images are reached, not one.
            #expect(Set(metrics.nearestTrainIndex).count >= 8, "\(mode)")
        }
    }

    @Test("a copy of a training image held twice is memorized; with one distinct training image the rate is undefined")
    func memorizationEdges() throws {
        let (train, test) = try DiffusionTests.digits(5)
        // Image 0 twice: a sample equal to it is memorized (its second-nearest distinct image is far).
        let doubled = train.images.selectingRows([0, 0, 1, 2, 3])
        let sample = train.images.selectingRows([0])
        let metrics = try SampleMetrics(samples: sample, train: doubled, test: test.images, components: 3)
        #expect(metrics.memorizationRate == 1 && metrics.nearestTrain == 0 && metrics.nearestTrainIndex == [0])
        let single = try SampleMetrics(samples: sample, train: train.images.selectingRows([0, 0]), test: test.images, components: 3)
        #expect(single.memorizationRate.isNaN && single.nearestTrain == 0)
    }

    @Test("memorization rate, nearest distances and the Fréchet distance equal NumPy and SciPy's")
    func metricsAgree() throws {
        let (train, test) = try DiffusionTests.digits(60, test: 50)
        // Samples: training images and held-out images with noise, so that both criteria are exercised.
        var stream = RandomStream(seed: 9)
        var samples = Matrix(rows: 30, columns: 64)
        for r in 0..<30 {
            let source = r % 2 == 0 ? train.images.row(r) : test.images.row(r)
            for (j, value) in source.enumerated() { samples.storage[r * 64 + j] = value + (r % 3 == 0 ? 0.1 : 3) * stream.nextGaussian() }
        }
        let metrics = try SampleMetrics(samples: samples, train: train.images, test: test.images, components: 6)
        let dir = try TemporaryDirectory("sample-metrics")
        let path = dir.file("in.h5")
        let file = try File.create(path)
        try file.write("samples", samples.storage, shape: [30, 64])
        try file.write("train", train.images.storage, shape: [60, 64])
        try file.write("test", test.images.storage, shape: [50, 64])
        try file.setAttribute("components", Int64(6))
        try file.close()
        let answer = try Python.json("sample_metrics_reference.py", [path])
        #expect(metrics.memorizationRate > 0 && metrics.memorizationRate < 1)
        for (name, value) in zip(SampleMetrics.names, metrics.values) {
            let expected = try #require(Python.double(answer[name]))
            // sqrtm's Schur method and the eigendecompositions agree to about 1e-10 relative.
            #expect(abs(value - expected) <= 1e-9 * max(abs(expected), 1), "\(name): \(value) vs \(expected)")
        }
    }
}

/// Latent diffusion and conditioning on the label.
@Suite("latent diffusion and conditioning")
struct ConditioningTests {
    @Test("the class-agreement classifier predicts as scikit-learn's RidgeClassifier, and the latent space reconstructs as its PCA")
    func classifierAndLatentAgree() throws {
        let (train, test) = try DiffusionTests.digits(300, test: 100)
        let classifier = try RidgeClassifier(train)
        let latent = try PrincipalComponents(train.images, components: 12)
        let dir = try TemporaryDirectory("classifier")
        let path = dir.file("in.h5")
        let file = try File.create(path)
        try file.write("train", train.images.storage, shape: [300, 64])
        try file.write("labels", train.labels!.map(Int64.init))
        try file.write("test", test.images.storage, shape: [100, 64])
        try file.setAttribute("lambda", classifier.lambda)
        try file.setAttribute("components", Int64(12))
        try file.close()
        let answer = try Python.json("classifier_reference.py", [path])
        let predicted = classifier.predict(test.images)
        #expect(predicted == (answer["predictions"] as? [Int]))
        // The classifier is good enough to judge samples: most held-out digits right.
        let accuracy = Double(zip(predicted, test.labels!).filter { $0 == $1 }.count) / 100
        #expect(accuracy > 0.85, "held-out accuracy \(accuracy)")
        let reconstruction = latent.reconstruct(latent.project(test.images)).storage
        #expect(relativeDistance(reconstruction, try #require(Python.doubles(answer["reconstruction"]))) < 1e-10)
    }

    @Test("label dropout removes the class from about its fraction of the pairs, and held-out pairs keep theirs")
    func labelDropout() throws {
        let (train, test) = try DiffusionTests.digits(100)
        let data = try DiffusionData(train: train, test: test, schedule: DiffusionTests.schedule, copies: 10, conditioned: true,
                                     labelDropout: 0.2, stream: RandomStream(seed: 2))
        #expect(data.classes == 10)
        for pairs in data.trainPairs {
            let condition = try #require(pairs.condition)
            let dropped = (0..<condition.rows).filter { r in (0..<10).allSatisfy { condition[r, $0] == 0 } }.count
            // 1,000 pairs: the dropped count's sd is √(1000·0.2·0.8) ≈ 12.6; ±50 is 4 sd.
            #expect(abs(dropped - 200) < 50, "\(dropped) of 1000 dropped")
            for r in 0..<condition.rows where !(0..<10).allSatisfy({ condition[r, $0] == 0 }) {
                #expect(condition[r, train.labels![pairs.image[r]]] == 1)
            }
        }
        let held = try #require(data.testPairs?[0].condition)
        #expect((0..<held.rows).allSatisfy { r in (0..<10).contains { held[r, $0] == 1 } })
    }

    @Test("the empirical-optimal denoiser asked for a class returns training images of that class, in pixels and in a latent space")
    func conditionalSamplerReturnsTheClass() throws {
        let (train, test) = try DiffusionTests.digits(60)
        let schedule = NoiseSchedule(steps: 20, first: 0.05, last: 15, spacing: .geometric)
        for latent in [nil, 64] as [Int?] {
            let data = try DiffusionData(train: train, test: test, schedule: schedule, copies: 1, latent: latent, conditioned: true,
                                         stream: RandomStream(seed: 1))
            let denoiser = try Denoiser(model: .empiricalOptimal, data: data, featureStream: RandomStream(seed: 0), flattened: [])
            let asked = (0..<30).map { $0 % 10 }
            let samples = data.decode(Sampler.sample(denoiser, count: 30, mode: .deterministic, stream: RandomStream(seed: 4),
                                                     classes: asked, guidance: 0))
            let metrics = try SampleMetrics(samples: samples, train: train.images, test: test.images, components: 5)
            #expect(metrics.nearestTrain < 1e-3, "latent \(String(describing: latent)): \(metrics.nearestTrain)")
            #expect(metrics.nearestTrainIndex.map { train.labels![$0] } == asked)
        }
    }
}
