extension Dataset {
    /// The number of test rows a fraction asks for: ⌈fraction · n⌉, as
    /// scikit-learn's `train_test_split` counts.
    public static func testCount(fraction: Double, rows: Int) -> Int {
        Int((fraction * Double(rows)).rounded(.up))
    }

    /// Splits off `testCount` units (rows, or whole sequences) for testing,
    /// chosen by a seeded shuffle: the permutation's first `testCount` units
    /// are the test set, the rest train, each in permutation order. Requires
    /// 0 < testCount < the number of units.
    public func split(testCount: Int, stream: RandomStream) -> Split {
        let units = unitCount
        precondition(testCount > 0 && testCount < units, "test count \(testCount) outside 1…\(units - 1)")
        var stream = stream
        let order = stream.permutation(units)
        return Split(train: selectingUnits(order[testCount...]), test: selectingUnits(order[..<testCount]))
    }

    /// Splits off ⌈fraction · n⌉ units for testing (0 < fraction < 1).
    public func split(testFraction fraction: Double, stream: RandomStream) -> Split {
        split(testCount: Dataset.testCount(fraction: fraction, rows: unitCount), stream: stream)
    }

    /// k-fold cross-validation over units (rows, or whole sequences): a seeded
    /// shuffle cut into k consecutive folds (the first n mod k folds one unit
    /// longer, as scikit-learn's `KFold`); split i tests on fold i and trains on
    /// the others. Requires 2 ≤ k ≤ n.
    public func folds(_ k: Int, stream: RandomStream) -> [Split] {
        let rows = unitCount
        precondition(k >= 2 && k <= rows, "k = \(k) folds of \(rows) units")
        var stream = stream
        let order = stream.permutation(rows)
        var bounds = [0]
        for fold in 0..<k { bounds.append(bounds[fold] + rows / k + (fold < rows % k ? 1 : 0)) }
        return (0..<k).map { fold in
            let test = order[bounds[fold]..<bounds[fold + 1]]
            let train = Array(order[..<bounds[fold]]) + Array(order[bounds[fold + 1]...])
            return Split(train: selectingUnits(train), test: selectingUnits(test))
        }
    }
}
