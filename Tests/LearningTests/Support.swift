import Datasets
import Foundation
import HDF5
import Learning
import LinearAlgebra
import TestSupport

/// Runs Tests/interop/reference_solutions.py on a problem and returns the
/// named datasets of its answer.
func pythonReference(_ command: String, x: Matrix, y: [Double], lambdas: [Double] = [],
                     read names: [String] = ["w"]) throws -> [String: [Double]] {
    let dir = try TemporaryDirectory("reference-\(command)")
    let input = dir.file("in.h5"), output = dir.file("out.h5")
    let file = try File.create(input)
    try file.write("x", x.storage, shape: [x.rows, x.columns])
    try file.write("y", y)
    if !lambdas.isEmpty { try file.write("lambdas", lambdas) }
    try file.close()
    _ = try Python.run("reference_solutions.py", [command, input, output])
    let answer = try File.open(output)
    defer { try? answer.close() }
    var result: [String: [Double]] = [:]
    for name in names { result[name] = try answer.openDataset(name).readDoubles() }
    return result
}

/// A noiseless sparse problem: n × d Gaussian X, k nonzeros of `value`.
func sparseProblem(n: Int, d: Int, k: Int, value: Double = 1, seed: UInt64 = 7, testRows: Int = 0) -> Split {
    let data = Dataset.synthesize(SynthesisSpec(rows: n + max(testRows, 1), features: d,
                                                truth: .sparse(k: k, value: value, randomSigns: false)),
                                  stream: RandomStream(seed: seed).derived("data"))
    return Split(train: data.selectingRows(Array(0..<n)), test: data.selectingRows(Array(n..<(n + max(testRows, 1)))))
}

/// Trains `specs` as one batch with per-point init streams derived from their index.
func train(_ problem: FitProblem, _ specs: [FitSpec], seed: UInt64 = 1) throws -> BatchOutput {
    let streams = specs.indices.map { RandomStream(seed: seed).derived("point \($0)") }
    return try Trainer(problem: problem, points: specs, initStreams: streams,
                       orderStream: RandomStream(seed: seed).derived("order")).run()
}

/// 40 points in 5 dimensions, labelled ±1 by a random direction with a margin of 0.3.
func separableData() -> Datasets.Dataset {
    var stream = RandomStream(seed: 3).derived("separable")
    let d = 5
    let direction = (0..<d).map { _ in stream.nextGaussian() }
    let length = BLAS.nrm2(direction)
    var rows: [[Double]] = [], labels: [Double] = []
    while rows.count < 40 {
        let row = (0..<d).map { _ in stream.nextGaussian() }
        let margin = BLAS.dot(row, direction) / length
        if abs(margin) > 0.3 {
            rows.append(row)
            labels.append(margin > 0 ? 1 : -1)
        }
    }
    return Datasets.Dataset(x: Matrix(rows), y: labels)
}
