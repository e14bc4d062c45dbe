import Datasets
import struct Datasets.Dataset
import HDF5
import LinearAlgebra
import Testing
import TestSupport

@Suite("split, k-fold and standardize")
struct SplitTests {
    let data = Dataset.synthesize(SynthesisSpec(rows: 50, features: 6, correlation: 0.3, truth: .dense(norm: 2), noise: 0),
                                  stream: RandomStream(seed: 3).derived("data"))

    /// Row identities: the first feature of each row is distinct almost surely.
    func ids(_ d: Dataset) -> [Double] { d.x.column(0) }

    @Test("a test count or fraction splits off disjoint rows that cover the data, reproducibly")
    func split() throws {
        let split = data.split(testCount: 12, stream: RandomStream(seed: 1).derived("split"))
        #expect(split.test.rows == 12 && split.train.rows == 38)
        #expect(Set(ids(split.train)).isDisjoint(with: ids(split.test)))
        #expect(Set(ids(split.train) + ids(split.test)) == Set(ids(data)))
        #expect(split.train.truth == data.truth)
        let again = data.split(testCount: 12, stream: RandomStream(seed: 1).derived("split"))
        #expect(again == split)
        let other = data.split(testCount: 12, stream: RandomStream(seed: 2).derived("split"))
        #expect(other != split)
        // ⌈fraction · n⌉, as scikit-learn counts.
        for fraction in [0.2, 0.25, 0.33, 0.5] {
            let reference = try Python.json("sklearn_preprocessing.py", ["test_count", "50", String(fraction)])
            #expect(data.split(testFraction: fraction, stream: RandomStream(seed: 1)).test.rows == reference["count"] as? Int)
        }
    }

    @Test("k-fold: folds partition the rows with scikit-learn's fold sizes", arguments: [(50, 3), (50, 7), (10, 10)])
    func folds(shape: (Int, Int)) throws {
        let (n, k) = shape
        let subset = data.selectingRows(Array(0..<n))
        let folds = subset.folds(k, stream: RandomStream(seed: 5))
        let reference = try Python.json("sklearn_preprocessing.py", ["kfold", String(n), String(k)])
        #expect(folds.map { $0.test.rows } == reference["sizes"] as? [Int])
        #expect(Set(folds.flatMap { ids($0.test) }) == Set(ids(subset)))
        #expect(folds.flatMap { ids($0.test) }.count == n)
        for fold in folds { #expect(fold.train.rows + fold.test.rows == n) }
    }

    @Test("standardize fits on train only and agrees with scikit-learn's StandardScaler")
    func standardize() throws {
        let split = data.split(testCount: 10, stream: RandomStream(seed: 1))
        let dir = try TemporaryDirectory("standardize")
        let input = dir.file("in.h5"), output = dir.file("out.h5")
        let file = try File.create(input)
        try file.write("train_x", split.train.x.storage, shape: [split.train.rows, 6])
        try file.write("test_x", split.test.x.storage, shape: [split.test.rows, 6])
        try file.close()
        _ = try Python.run("sklearn_preprocessing.py", ["standardize", input, output])
        let reference = try File.open(output)
        let (standardized, fitted) = try Standardization.standardize(split)
        #expect(relativeDistance(fitted.featureMeans, try reference.openDataset("mean").readDoubles()) < 1e-12)
        #expect(relativeDistance(fitted.featureScales, try reference.openDataset("scale").readDoubles()) < 1e-12)
        #expect(relativeDistance(standardized.train.x.storage, try reference.openDataset("train").readDoubles()) < 1e-12)
        #expect(relativeDistance(standardized.test.x.storage, try reference.openDataset("test").readDoubles()) < 1e-12)
        // y is centred with the train mean; the test rows get the same shift.
        let trainMean = split.train.y.reduce(0, +) / Double(split.train.rows)
        #expect(abs(standardized.train.y.reduce(0, +)) < 1e-12 * Double(split.train.rows))
        #expect(maxAbsoluteDifference(standardized.test.y, split.test.y.map { $0 - trainMean }) < 1e-12)
        // The truth moves into the new coordinates: noiseless labels stay exact.
        let truth = try #require(standardized.train.truth)
        #expect(relativeDistance(BLAS.product(standardized.test.x, .none, truth), standardized.test.y) < 1e-12)
        #expect(standardized.train.design == nil)
    }

    @Test("a constant column keeps scale 1; options turn centring and scaling off")
    func options() throws {
        var x = Matrix(rows: 4, columns: 2, storage: [1, 5, 2, 5, 3, 5, 4, 5])
        let d = Dataset(x: x, y: [1, 2, 3, 4])
        let fitted = try Standardization(fitting: d)
        #expect(fitted.featureScales[1] == 1)
        #expect(try fitted.apply(to: d).x.column(1) == [0, 0, 0, 0])
        let scaleOnly = try Standardization(fitting: d, center: false, scale: true, centerTarget: false)
        #expect(scaleOnly.featureMeans == [0, 0])
        #expect(scaleOnly.targetMean == 0)
        #expect(abs(scaleOnly.featureScales[0] - 1.25.squareRoot()) < 1e-15)
        x = try scaleOnly.apply(to: d).x
        #expect(x[0, 0] == 1 / 1.25.squareRoot())
    }

    @Test("values near the largest double: the statistics are computed scaled, never overflow into a zeroed column")
    func hugeValues() throws {
        // Column 0: ±1.5e308, whose sum and squares overflow; exact answer ±1.
        // Column 1: ordinary values, which take the direct path unchanged.
        let x = Matrix(rows: 4, columns: 2, storage: [1.5e308, 1, 1.5e308, 2, -1.5e308, 3, -1.5e308, 4])
        let d = Dataset(x: x, y: [1, 2, 3, 4])
        let fitted = try Standardization(fitting: d)
        #expect(fitted.featureMeans[0] == 0)
        #expect(fitted.featureScales[0] == 1.5e308)
        #expect(try fitted.apply(to: d).x.column(0) == [1, 1, -1, -1])
        #expect(fitted.featureMeans[1] == 2.5 && fitted.featureScales[1] == 1.25.squareRoot())
        // A lone extreme value: the direct difference overflows, the scaled one does not.
        let skewed = Dataset(x: Matrix(rows: 4, columns: 1, storage: [1.7e308, -1.7e308, -1.7e308, -1.7e308]), y: [0, 0, 0, 0])
        let standardized = try Standardization(fitting: skewed).apply(to: skewed).x.column(0)
        #expect(standardized.allSatisfy { $0.isFinite })
        #expect(abs(standardized[0] - 3.squareRoot()) < 1e-12 && abs(standardized[1] + 1 / 3.squareRoot()) < 1e-12)
        // y: a mean found through scaling; a centred value that overflows is an error naming y.
        let extremes = Dataset(x: Matrix(rows: 2, columns: 1, storage: [1, 2]), y: [1.7e308, 1.7e308])
        #expect(try Standardization(fitting: extremes).targetMean == 1.7e308)
        let shifted = Dataset(x: Matrix(rows: 3, columns: 1, storage: [1, 2, 3]), y: [1.7e308, 1.7e308, -1.7e308])
        let error = #expect(throws: NumericRangeError.self) { try Standardization(fitting: shifted).apply(to: shifted) }
        #expect(error?.description == "'y': row 2 minus the mean of y is not a finite number")
    }
}
