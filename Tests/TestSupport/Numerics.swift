/// ‖a − b‖₂ / max(‖b‖₂, tiny): the relative distance tests compare numerics by.
public func relativeDistance(_ a: [Double], _ b: [Double]) -> Double {
    precondition(a.count == b.count, "lengths \(a.count) and \(b.count) differ")
    var difference = 0.0, reference = 0.0
    for (x, y) in zip(a, b) {
        difference += (x - y) * (x - y)
        reference += y * y
    }
    return difference.squareRoot() / max(reference.squareRoot(), .leastNormalMagnitude)
}

/// The largest |a_i − b_i|.
public func maxAbsoluteDifference(_ a: [Double], _ b: [Double]) -> Double {
    precondition(a.count == b.count, "lengths \(a.count) and \(b.count) differ")
    return zip(a, b).map { abs($0 - $1) }.max() ?? 0
}

/// Bitwise equality of Float64 arrays (NaN equal to the same NaN).
public func bitIdentical(_ a: [Double], _ b: [Double]) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { $0.bitPattern == $1.bitPattern }
}
