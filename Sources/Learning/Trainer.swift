import Datasets
import Foundation
import LinearAlgebra

/// Trains a batch of points that share data and structure (`FitSpec.BatchKey`)
/// together: K weight vectors (K pairs u, v for two-block models) are the
/// columns of d × K matrices, and each gradient step is two BLAS gemm calls —
/// P = X·W and G = Xᵀ·R/n — plus one fused elementwise pass that applies each
/// column's own step size, penalties and parameterization.
///
/// Columns are independent: a point's result does not depend on the others in
/// its batch, up to the last bits — BLAS kernels may round a column
/// differently in a batch of another size, which is why the engine caches and
/// retrains whole batches (docs/architecture.md). A column that stops — on its step budget, a
/// tolerance, or divergence — is copied out and compacted away, so finished
/// points cost nothing and a diverged one (NaN, ∞) never touches another.
/// The same points in the same batch give bit-identical results on every run.
///
/// All memory is allocated when the trainer is made, in buffers it owns
/// (`Buffer`, freed with it); the step loop allocates nothing. The data is
/// read in place from the problem's arrays, never copied (SGD alone keeps a
/// reshuffled copy of X and y). Memory: about 5·d·K + (n + m)·K doubles,
/// plus n·d for SGD's copy, plus n² + 3·n·K in the row space
/// (`TrainingSpace`), plus K·metrics·(steps/every + 1) for trajectories.
public final class Trainer {
    public let problem: FitProblem
    public let points: [FitSpec]
    let key: FitSpec.BatchKey
    let model: ModelKind
    let layout: MetricLayout
    let n: Int, d: Int, testRows: Int, width: Int

    /// Where the iterates live: the weights (d × K), or the row space of X.
    public let space: TrainingSpace
    /// Which elementwise update runs (`ElementwiseKernels`).
    public let kernels: ElementwiseKernels

    // Data: the problem's own arrays, read in place while `run` runs (never
    // copied); SGD reshuffles copies of X and y it owns every epoch.
    var x: UnsafePointer<Double>
    var y: UnsafePointer<Double>
    var xTest: UnsafePointer<Double>
    var yTest: UnsafePointer<Double>
    let shuffledXBuffer: Buffer
    let shuffledYBuffer: Buffer
    /// What the data pointers point at outside `run`.
    let placeholderBuffer: Buffer
    let yNorm: Double

    // The row space (`TrainingSpace.rowSpace`): K = XXᵀ (n × n), the
    // coordinates B (n × active) of w = c·w₀ + XᵀB, U₀ = X·w₀ and Q = K·B.
    let kernelBuffer: Buffer
    var kernel: UnsafeMutablePointer<Double> { kernelBuffer.base }
    let coordinatesBuffer: Buffer
    var coordinates: UnsafeMutablePointer<Double> { coordinatesBuffer.base }
    let startPredictionsBuffer: Buffer
    var startPredictions: UnsafeMutablePointer<Double> { startPredictionsBuffer.base }
    let kernelProductBuffer: Buffer
    var kernelProduct: UnsafeMutablePointer<Double> { kernelProductBuffer.base }
    /// The test rows in the row space: X_test·Xᵀ (m × n) and X_test·w₀ (m × active).
    let testKernelBuffer: Buffer
    var testKernel: UnsafeMutablePointer<Double> { testKernelBuffer.base }
    let testStartBuffer: Buffer
    var testStart: UnsafeMutablePointer<Double> { testStartBuffer.base }
    /// Whether every point starts from w₀ = 0 (then U₀ = 0 and w = XᵀB).
    var startsAtZero = false

    // Iterates, d × active, row-major with leading dimension `active`.
    let theta0Buffer: Buffer
    var theta0: UnsafeMutablePointer<Double> { theta0Buffer.base }
    let theta1Buffer: Buffer
    var theta1: UnsafeMutablePointer<Double> { theta1Buffer.base }
    let wBuffer: Buffer
    var w: UnsafeMutablePointer<Double> { wBuffer.base }
    let gBuffer: Buffer
    var g: UnsafeMutablePointer<Double> { gBuffer.base }
    /// Predictions, then residuals (or loss derivatives): rows × active.
    let pBuffer: Buffer
    var p: UnsafeMutablePointer<Double> { pBuffer.base }
    /// The next step's predictions X·W, built block by block as W is updated
    /// (full-batch steps in the weights: `fusedStep`).
    let nextPBuffer: Buffer
    var nextP: UnsafeMutablePointer<Double> { nextPBuffer.base }
    let pTestBuffer: Buffer
    var pTest: UnsafeMutablePointer<Double> { pTestBuffer.base }

    /// Per-column state, one row of `width` per field, compacted with the columns.
    let columnsBuffer: Buffer
    var columns: UnsafeMutablePointer<Double> { columnsBuffer.base }
    /// Metric values of the active columns at the current step: metrics × width.
    let valuesBuffer: Buffer
    var values: UnsafeMutablePointer<Double> { valuesBuffer.base }
    let carryBuffer: Buffer
    var carry: UnsafeMutablePointer<Double> { carryBuffer.base }
    var active: Int
    /// Why each active column stops at this step (nil: it goes on).
    var stopReasons: [StopReason?]
    /// Whether the penalty sums describe the current iterate.
    var penaltiesCurrent = false

    // Trajectories and final results, indexed by point.
    let recordedSteps: [Int]
    /// How each point ended (set when it stops).
    var outcomes: [PointOutcome]
    let trajectoriesBuffer: Buffer
    var trajectories: UnsafeMutablePointer<Double> { trajectoriesBuffer.base }
    let finalWeightsBuffer: Buffer
    var finalWeights: UnsafeMutablePointer<Double> { finalWeightsBuffer.base }
    let finalMetricsBuffer: Buffer
    var finalMetrics: UnsafeMutablePointer<Double> { finalMetricsBuffer.base }

    // SGD.
    let batchSize: Int
    var orderStream: RandomStream
    let orderBuffer: IndexBuffer
    var order: UnsafeMutablePointer<Int> { orderBuffer.base }
    let scratchRowBuffer: Buffer
    var scratchRow: UnsafeMutablePointer<Double> { scratchRowBuffer.base }

    enum Field: Int, CaseIterable {
        case point, lr, l2, weightDecay, l1, maxSteps, tol, rtol, residualTol, divergence
        case loss, errors, objective, previous, initial, sumSquares, sumAbs, sumParameters
        /// The row space: c of w = c·w₀ + XᵀB, and ‖w₀‖².
        case startScale, startSquares
    }

    @inline(__always) func field(_ f: Field) -> UnsafeMutablePointer<Double> { columns + f.rawValue * width }

    /// Prepares a batch. `initStreams` gives each point its own stream for a
    /// Gaussian initialization; `orderStream` orders SGD's minibatches (it must be
    /// the same for every point of the batch, which is why a batch shares it).
    /// `initialWeights`, when given (one w per point, linear model only), replace
    /// the drawn initialization: method exact passes its closed form this way.
    ///
    /// `space` chooses where the iterates live: `.automatic` trains a linear
    /// model by full-batch GD without l1 in the row space of X when d > n
    /// (`TrainingSpace`); `.weights` always in the weights (for comparisons).
    public init(problem: FitProblem, points: [FitSpec], initStreams: [RandomStream],
                orderStream: RandomStream = RandomStream(seed: 0), initialWeights: [[Double]]? = nil,
                space requested: TrainingSpace.Request = .automatic, kernels: ElementwiseKernels = .compiled) throws {
        self.kernels = kernels
        guard let first = points.first else { throw LearningError("a batch needs at least one point") }
        guard initStreams.count == points.count else { throw LearningError("one init stream per point") }
        for (index, point) in points.enumerated() {
            if let problem = point.problems.first { throw LearningError("point \(index): \(problem.message)") }
            guard point.batchKey == first.batchKey else {
                throw LearningError("point \(index) differs from point 0 in model, loss, optimizer or recording; they cannot share a batch")
            }
        }
        let train = problem.train
        guard train.rows > 0, train.features > 0 else { throw LearningError("the training data is empty") }
        if let test = problem.test, test.features != train.features {
            throw LearningError("the test data has \(test.features) features, the training data \(train.features)")
        }
        for reference in problem.references where reference.weights.count != train.features {
            throw LearningError("reference \(reference.name) has \(reference.weights.count) weights for \(train.features) features")
        }
        for reference in problem.perPointReferences
        where reference.weights.count != points.count || reference.weights.contains(where: { $0.count != train.features }) {
            throw LearningError("reference \(reference.name) needs one solution of \(train.features) weights per point")
        }
        if let initialWeights {
            guard first.model == .linear, initialWeights.count == points.count,
                  initialWeights.allSatisfy({ $0.count == train.features }) else {
                throw LearningError("initial weights need the linear model and one w of \(train.features) weights per point")
            }
        }
        if first.loss == .logistic {
            for (name, labels) in [("training", train.y), ("test", problem.test?.y ?? [])] {
                if let row = labels.firstIndex(where: { $0 != 1 && $0 != -1 }) {
                    throw LearningError("the logistic loss needs labels −1 or +1; \(name) row \(row) has \(labels[row])")
                }
            }
        }

        self.problem = problem
        self.points = points
        key = first.batchKey
        model = first.model
        layout = MetricLayout(problem: problem, loss: first.loss)
        n = train.rows
        d = train.features
        testRows = problem.test?.rows ?? 0
        width = points.count
        active = width
        stopReasons = [StopReason?](repeating: nil, count: width)
        yNorm = BLAS.nrm2(train.y)
        if case .sgd(let size) = first.method { batchSize = min(size, n) } else { batchSize = n }

        let stochastic = batchSize < n
        let rowSpace = requested == .automatic && first.model == .linear && d > n && !stochastic && first.method != .exact
            && !first.method.isFlow
            && initialWeights == nil && points.allSatisfy { $0.penalty.l1 == 0 }
        space = rowSpace ? .rowSpace : .weights
        placeholderBuffer = Buffer(1)
        x = UnsafePointer(placeholderBuffer.base)
        y = x
        xTest = x
        yTest = x
        shuffledXBuffer = Buffer(stochastic ? n * d : 0)
        shuffledYBuffer = Buffer(stochastic ? n : 0)
        kernelBuffer = Buffer(rowSpace ? n * n : 0)
        coordinatesBuffer = Buffer(rowSpace ? n * width : 0)
        startPredictionsBuffer = Buffer(rowSpace ? n * width : 0)
        kernelProductBuffer = Buffer(rowSpace ? n * width : 0)
        testKernelBuffer = Buffer(rowSpace ? testRows * n : 0)
        testStartBuffer = Buffer(rowSpace ? testRows * width : 0)
        theta0Buffer = Buffer(d * width)
        theta1Buffer = Buffer(rowSpace ? 0 : d * width)
        wBuffer = Buffer(d * width)
        // Method flow measures its columns with P = X·W and no step of its own.
        let flow = first.method.isFlow
        gBuffer = Buffer(rowSpace || flow ? 0 : d * width)
        pBuffer = Buffer(n * width)
        nextPBuffer = Buffer(stochastic || rowSpace || flow ? 0 : n * width)
        pTestBuffer = Buffer(testRows * width)
        columnsBuffer = Buffer(Field.allCases.count * width, .nan)
        valuesBuffer = Buffer(layout.count * width)
        carryBuffer = Buffer(width)

        let longest = points.map(\.stepBudget).max()!
        let every = first.recordEvery
        recordedSteps = every > 0 ? Array(stride(from: 0, through: longest, by: every)) : []
        trajectoriesBuffer = Buffer(width * layout.count * recordedSteps.count, .nan)
        finalWeightsBuffer = Buffer(width * d)
        finalMetricsBuffer = Buffer(width * layout.count, .nan)
        outcomes = [PointOutcome](repeating: PointOutcome(), count: width)
        self.orderStream = orderStream
        orderBuffer = IndexBuffer(count: n)
        scratchRowBuffer = Buffer(d)

        // Step sizes: the automatic rule needs λ_max(XᵀX/n), computed once.
        // Exact points take no steps: no step size (NaN in the results).
        let exact = first.method == .exact
        let needsEigenvalue = !exact && points.contains { if case .auto = $0.learningRate { return true } else { return false } }
        let lambdaMax = needsEigenvalue ? StepSize.largestEigenvalue(of: train.x) : 0
        for (k, point) in points.enumerated() {
            let rate = exact ? .nan : StepSize.auto(for: point, largestEigenvalue: lambdaMax)
            // A step size of 0 or infinity would train nothing, or NaN, in silence.
            guard exact || (rate.isFinite && rate > 0) else {
                throw LearningError("point \(k): the automatic step size is \(rate) (the largest eigenvalue of XᵀX/n is \(lambdaMax)); standardize the data, or give optimizer.lr")
            }
            field(.point)[k] = Double(k)
            field(.lr)[k] = rate
            field(.l2)[k] = point.penalty.l2
            field(.weightDecay)[k] = point.penalty.weightDecay
            field(.l1)[k] = point.penalty.l1
            field(.maxSteps)[k] = Double(point.stepBudget)
            field(.tol)[k] = point.stopping.tol ?? .nan
            field(.rtol)[k] = point.stopping.rtol ?? .nan
            field(.residualTol)[k] = point.stopping.residualTol ?? .nan
            field(.divergence)[k] = point.stopping.divergenceFactor
            field(.startScale)[k] = 1
        }
        initializeParameters(streams: initStreams, given: initialWeights)
    }

    /// θ₀ per column from the model's initialization (or the given weights),
    /// then W = φ(θ₀).
    private func initializeParameters(streams: [RandomStream], given: [[Double]]?) {
        let parameters = given.map { weights in weights.map { ($0, [Double](repeating: 0, count: d)) } }
            ?? Trainer.initialParameters(model: model, points: points, streams: streams, features: d)
        for (k, (u, v)) in parameters.enumerated() {
            for j in 0..<d { theta0[j * width + k] = u[j] }
            // The row space trains the linear model, one block: θ₁ is not allocated.
            if space == .weights { for j in 0..<d { theta1[j * width + k] = v[j] } }
        }
        forward()
    }

    /// The initial parameters (u and v, d each) of every point, as the trainer
    /// draws them: coordinate by coordinate from the point's stream (u then v
    /// for two-block models).
    public static func initialParameters(model: ModelKind, points: [FitSpec], streams: [RandomStream],
                                         features d: Int) -> [(u: [Double], v: [Double])] {
        let parameterization = model.parameterization
        return points.indices.map { k in
            var stream = streams[k]
            let alpha = points[k].initScale
            let gaussian = points[k].initShape == .gaussian
            var u = [Double](repeating: 0, count: d), v = [Double](repeating: 0, count: d)
            for j in 0..<d {
                let initial = parameterization.initial(scale: alpha) { gaussian ? stream.nextGaussian() : 1 }
                u[j] = initial.u
                v[j] = initial.v
            }
            return (u, v)
        }
    }

    /// The initial weights w₀ = φ(θ₀) of every point.
    public static func initialWeights(model: ModelKind, points: [FitSpec], streams: [RandomStream],
                                      features d: Int) -> [[Double]] {
        let parameterization = model.parameterization
        return initialParameters(model: model, points: points, streams: streams, features: d).map { u, v in
            (0..<d).map { parameterization.weight(CoordinateParameters(u[$0], v[$0])) }
        }
    }

    /// Polled every 256 steps; when it returns true the run stops early and its
    /// output is marked `cancelled` (an interrupted run keeps nothing of it).
    public var cancellation: (@Sendable () -> Bool)?

    /// Trains every point to its stopping rule. `progress` is called with the
    /// number of points finished so far each time some finish.
    public func run(progress: ((Int) -> Void)? = nil) -> BatchOutput {
        let train = problem.train, test = problem.test
        return train.x.storage.withUnsafeBufferPointer { trainX in
            train.y.withUnsafeBufferPointer { trainY in
                (test?.x.storage ?? []).withUnsafeBufferPointer { testX in
                    (test?.y ?? []).withUnsafeBufferPointer { testY in
                        // Empty arrays have no base address: the placeholder stands in.
                        let placeholder = UnsafePointer(placeholderBuffer.base)
                        x = trainX.baseAddress ?? placeholder
                        y = trainY.baseAddress ?? placeholder
                        xTest = testX.baseAddress ?? placeholder
                        yTest = testY.baseAddress ?? placeholder
                        defer { (x, y, xTest, yTest) = (placeholder, placeholder, placeholder, placeholder) }
                        return trainInPlace(progress: progress)
                    }
                }
            }
        }
    }

    /// The step loop, with the data pointers set.
    private func trainInPlace(progress: ((Int) -> Void)?) -> BatchOutput {
        let clock = ContinuousClock()
        let start = clock.now
        let every = key.recordEvery
        let stochastic = batchSize < n
        let stepsPerEpoch = (n + batchSize - 1) / batchSize
        let evaluateEvery = stochastic ? (every > 0 ? every : stepsPerEpoch) : 1
        var finished = 0
        var epochPosition = n  // SGD: start with a shuffle
        if stochastic {
            shuffledXBuffer.base.update(from: x, count: n * d)
            shuffledYBuffer.base.update(from: y, count: n)
            x = UnsafePointer(shuffledXBuffer.base)
            y = UnsafePointer(shuffledYBuffer.base)
        }
        if key.method.isFlow { return trainFlow(progress: progress) }
        if space == .rowSpace { prepareRowSpace() }
        let tol = field(.tol), rtol = field(.rtol)
        var step = 0
        var cancelled = false
        while active > 0 {
            if step & 255 == 0, let cancellation, cancellation() {
                cancelled = true
                break
            }
            let budget = field(.maxSteps)
            var nextStop = Double.infinity
            // Whether some column stops on a rule that reads the objective every evaluation.
            var needsObjective = false
            for k in 0..<active {
                nextStop = min(nextStop, budget[k])
                if !tol[k].isNaN || !rtol[k].isNaN { needsObjective = true }
            }
            let evaluate = step % evaluateEvery == 0 || Double(step) >= nextStop
            if evaluate {
                // The objective of W_step on all training rows.
                if space == .rowSpace {
                    predictInRowSpace()
                } else if stochastic || step == 0 {
                    predict(rows: 0..<n, from: x)
                }  // else the fused step left X·W in P
                evaluateLoss(rows: n, labels: y)
                let record = every > 0 && step % every == 0
                if record || needsObjective || Double(step) >= nextStop { updateObjective() }
                let stopping = checkStopping(step: step)
                if record || stopping > 0 {
                    updateObjective()
                    if space == .rowSpace { materializeWeights() }
                    computeMetrics()
                }
                if record { recordTrajectories(at: step / every) }
                if stopping > 0 {
                    let seconds = (clock.now - start).seconds
                    finished += finalizeStopped(step: step, seconds: seconds)
                    progress?(finished)
                    if active == 0 { break }
                }
            }
            if stochastic {
                if epochPosition >= n {
                    shuffle()
                    epochPosition = 0
                }
                let rows = epochPosition..<min(epochPosition + batchSize, n)
                epochPosition = rows.upperBound
                let batchX = x + rows.lowerBound * d
                predict(rows: 0..<rows.count, from: batchX)
                evaluateLoss(rows: rows.count, labels: shuffledYBuffer.base + rows.lowerBound)
                gradient(rows: rows.count, from: batchX)
                update()
            } else if space == .rowSpace {
                updateInRowSpace()
            } else {
                // The fused step reads P as this step's residuals: full-batch
                // steps evaluate the loss every step (evaluateEvery is 1).
                precondition(evaluate, "a full-batch step without its loss")
                fusedStep()
            }
            step += 1
        }
        var output = collectOutput()
        output.cancelled = cancelled
        output.space = space
        return output
    }

    // MARK: Steps

    /// P = X[rows]·W.
    @inline(__always) func predict(rows: Range<Int>, from matrix: UnsafePointer<Double>) {
        BLAS.gemm(.none, .none, m: rows.count, n: active, k: d, alpha: 1, a: matrix + rows.lowerBound * d, lda: d,
                  b: w, ldb: active, beta: 0, c: p, ldc: active)
    }

    /// The rows of W a fused step updates at a time: their θ, W and G blocks
    /// (4 × 256 × batch_width doubles) stay in cache between the products and
    /// the update. A constant, not the machine's cache size: it fixes how the
    /// products' sums are split, so it fixes the results' last bits.
    static let fusedRows = 256

    /// One full-batch step in the weights, by blocks b of rows of W: G_b =
    /// X[:, b]ᵀ·R/n, the update of θ_b and W_b, then P' += X[:, b]·W_b — each
    /// block's products and update while the block is in cache, and the next
    /// step's predictions without reading W again. P' then replaces P.
    func fusedStep() {
        let count = active
        var start = 0
        while start < d {
            let rows = min(Trainer.fusedRows, d - start)
            BLAS.gemm(.transpose, .none, m: rows, n: count, k: n, alpha: 1 / Double(n), a: x + start, lda: d,
                      b: p, ldb: count, beta: 0, c: g + start * count, ldc: count)
            update(rows: start..<(start + rows))
            BLAS.gemm(.none, .none, m: n, n: count, k: rows, alpha: 1, a: x + start, lda: d,
                      b: w + start * count, ldb: count, beta: start == 0 ? 0 : 1, c: nextP, ldc: count)
            start += rows
        }
        p.update(from: nextP, count: n * count)
    }

    /// G = X[rows]ᵀ·R / rows.
    @inline(__always) func gradient(rows: Int, from matrix: UnsafePointer<Double>) {
        BLAS.gemm(.transpose, .none, m: d, n: active, k: rows, alpha: 1 / Double(rows), a: matrix, lda: d,
                  b: p, ldb: active, beta: 0, c: g, ldc: active)
    }

    /// Decides which active columns stop at this step, sets `stopReasons`, and
    /// returns how many. Divergence is judged on the loss (NaN, ∞, or more than
    /// `divergenceFactor` × the initial loss), which every evaluation computes;
    /// the objective, which the tol and rtol rules read, is computed when they exist.
    private func checkStopping(step: Int) -> Int {
        let objective = field(.objective), initial = field(.initial), previous = field(.previous)
        let budget = field(.maxSteps), tol = field(.tol), rtol = field(.rtol), residualTol = field(.residualTol)
        let divergence = field(.divergence), loss = field(.loss)
        var stopping = 0
        for k in 0..<active {
            let value = objective[k]
            if step == 0 { initial[k] = loss[k] }
            var reason: StopReason?
            if !loss[k].isFinite || loss[k] > divergence[k] * max(initial[k], 1e-300) {
                reason = .diverged
            } else if Double(step) >= budget[k] {
                reason = points[Int(field(.point)[k])].method == .exact ? .solved : .steps
            } else if !tol[k].isNaN, value <= tol[k] {
                reason = .tol
            } else if !residualTol[k].isNaN, key.loss == .squared,
                      (2 * Double(n) * loss[k]).squareRoot() <= residualTol[k] * yNorm {
                reason = .residual
            } else if !rtol[k].isNaN, step > 0, abs(value - previous[k]) <= rtol[k] * abs(previous[k]) {
                reason = .rtol
            }
            previous[k] = value
            stopReasons[k] = reason
            if reason != nil { stopping += 1 }
        }
        return stopping
    }


    /// Copies stopped columns out, then compacts the survivors to the left.
    func finalizeStopped(step: Int, seconds: Double) -> Int {
        let pointOf = field(.point), rates = field(.lr)
        let metricCount = layout.count
        var count = 0
        for k in 0..<active {
            guard let reason = stopReasons[k] else { continue }
            let point = Int(pointOf[k])
            for j in 0..<d { finalWeights[point * d + j] = w[j * active + k] }
            for metric in 0..<metricCount { finalMetrics[point * metricCount + metric] = values[metric * width + k] }
            outcomes[point] = PointOutcome(steps: step, reason: reason, seconds: seconds, learningRate: rates[k],
                                           time: Double(step) * rates[k])
            count += 1
        }
        compact()
        return count
    }

    /// Removes the stopped columns from every d × active, rows × active and
    /// per-column buffer, keeping the order of the survivors. Entries only move
    /// left, so the moves are done in place, front to back.
    func compact() {
        let old = active
        var survivors = 0
        for k in 0..<old where stopReasons[k] == nil { survivors += 1 }
        func squeeze(_ buffer: UnsafeMutablePointer<Double>, rows: Int, stride: Int) {
            var target = 0
            for row in 0..<rows {
                for k in 0..<old where stopReasons[k] == nil {
                    buffer[target] = buffer[row * stride + k]
                    target += 1
                }
            }
        }
        squeeze(theta0, rows: d, stride: old)
        squeeze(w, rows: d, stride: old)
        squeeze(p, rows: n, stride: old)
        if space == .rowSpace {
            squeeze(coordinates, rows: n, stride: old)
            squeeze(startPredictions, rows: n, stride: old)
            squeeze(testStart, rows: testRows, stride: old)
        } else {
            squeeze(theta1, rows: d, stride: old)
        }
        for f in Field.allCases {
            let row = field(f)
            var target = 0
            for k in 0..<old where stopReasons[k] == nil {
                row[target] = row[k]
                target += 1
            }
        }
        active = survivors
        for k in 0..<width { stopReasons[k] = nil }
    }

    private func recordTrajectories(at record: Int) {
        let pointOf = field(.point)
        let metricCount = layout.count, steps = recordedSteps.count
        for k in 0..<active {
            let point = Int(pointOf[k])
            for metric in 0..<metricCount {
                trajectories[(point * metricCount + metric) * steps + record] = values[metric * width + k]
            }
        }
    }

    /// Reorders the training rows (SGD's next epoch) with an in-place Fisher–Yates
    /// shuffle of row indices, applied by swapping rows.
    private func shuffle() {
        // Draw the permutation, then apply it by cycles.
        for i in 0..<n { order[i] = i }
        if n > 1 {
            for i in stride(from: n - 1, to: 0, by: -1) {
                let j = orderStream.nextInt(below: i + 1)
                (order[i], order[j]) = (order[j], order[i])
            }
        }
        // New row i is old row order[i]: follow each cycle once.
        let x = shuffledXBuffer.base, y = shuffledYBuffer.base
        for start in 0..<n where order[start] >= 0 {
            var current = start
            scratchRow.update(from: x + start * d, count: d)
            let startLabel = y[start]
            while true {
                let source = order[current]
                order[current] = -1
                if source == start {
                    (x + current * d).update(from: scratchRow, count: d)
                    y[current] = startLabel
                    break
                }
                (x + current * d).update(from: x + source * d, count: d)
                y[current] = y[source]
                current = source
            }
        }
    }

    func collectOutput() -> BatchOutput {
        let metricCount = layout.count, steps = recordedSteps.count
        let results = (0..<width).map { point -> FitResult in
            let outcome = outcomes[point]
            return FitResult(
                weights: Array(UnsafeBufferPointer(start: finalWeights + point * d, count: d)),
                status: outcome.reason == .diverged ? .diverged : outcome.reason == .solver ? .failed : .ok,
                stopReason: outcome.reason,
                steps: outcome.steps,
                learningRate: outcome.learningRate,
                time: outcome.time,
                converged: Trainer.converged(outcome.reason, points[point]),
                evaluations: outcome.evaluations,
                jacobians: outcome.jacobians,
                metrics: Array(UnsafeBufferPointer(start: finalMetrics + point * metricCount, count: metricCount)),
                trajectory: (0..<metricCount).map { metric in
                    Array(UnsafeBufferPointer(start: trajectories + (point * metricCount + metric) * steps, count: steps))
                },
                seconds: outcome.seconds)
        }
        return BatchOutput(metricNames: layout.names, recordedSteps: recordedSteps, results: results)
    }
}

extension Trainer {
    /// `FitResult.converged` of a point that stopped for `reason`.
    static func converged(_ reason: StopReason, _ spec: FitSpec) -> Double {
        switch reason {
        case .tol, .rtol, .residual, .solved, .gradient: return 1
        case .diverged, .solver: return 0
        case .steps, .time, .evaluations:
            let requested = spec.stopping.tol != nil || spec.stopping.rtol != nil || spec.stopping.residualTol != nil
            return requested ? 0 : .nan
        }
    }
}

/// How one point of a batch ended, kept from the step it stopped at until the
/// batch's output is collected.
struct PointOutcome {
    var steps = 0
    var reason = StopReason.steps
    var seconds = 0.0
    var learningRate = Double.nan
    /// The flow time reached: η·steps for GD and SGD, NaN for exact.
    var time = Double.nan
    /// Gradient evaluations and Jacobians (method flow; GD's are its steps).
    var evaluations = 0
    var jacobians = 0
}

/// Doubles the trainer owns: allocated once when the trainer is made, never
/// copied, freed when the trainer goes. The step loop works through `base`.
struct Buffer: ~Copyable {
    let base: UnsafeMutablePointer<Double>

    init(_ count: Int, _ value: Double = 0) {
        base = .allocate(capacity: max(count, 1))
        base.initialize(repeating: value, count: max(count, 1))
    }

    init(copying values: [Double]) {
        base = .allocate(capacity: max(values.count, 1))
        base.initialize(repeating: 0, count: max(values.count, 1))
        base.update(from: values, count: values.count)
    }

    deinit { base.deallocate() }
}

/// Indices the trainer owns (SGD's row order), like `Buffer`.
struct IndexBuffer: ~Copyable {
    let base: UnsafeMutablePointer<Int>

    init(count: Int) {
        base = .allocate(capacity: max(count, 1))
        base.initialize(repeating: 0, count: max(count, 1))
    }

    deinit { base.deallocate() }
}

extension Duration {
    /// The duration in seconds, for timings written to results and logs.
    public var seconds: Double {
        let (whole, attoseconds) = components
        return Double(whole) + Double(attoseconds) * 1e-18
    }
}

/// The trainer's elementwise update: CKernels' for the squared and diagonal
/// models (runtime-chosen AVX-512, AVX2 or baseline code), or the generic Swift
/// loop that defines it — selectable so that tests can hold the two to the same bits.
public enum ElementwiseKernels: Sendable {
    case compiled
    case generic
}
