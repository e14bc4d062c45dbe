import Foundation

/// What a coordinate of a point is: a swept key's value, a replicate index
/// (`repeat`), or a cross-validation fold. Aggregations over replicates and
/// folds, and SGD's shared minibatch order, go by the role, never by the name.
public enum CoordinateRole: String, Sendable, Codable, CaseIterable {
    case swept
    case replicate
    case fold
}

/// The points a stage expands into: the cartesian product of its axes in
/// declaration order (the first axis varies slowest), a zip group being one
/// axis, `repeat` an axis `rep` = 0, 1, …, N−1 and split's `folds` an axis
/// `fold` = 0, 1, …, k−1.
public struct Sweep: Sendable, Equatable {
    public enum Axis: Sendable, Equatable {
        case values(key: String, values: [Value])
        case zip(keys: [String], rows: [[Value]])
        /// Independent replicates: coordinate `rep`, a stream identity, no parameter.
        case `repeat`(count: Int)
        /// Cross-validation folds (split's `folds: k`): coordinate and parameter `fold`.
        case folds(count: Int)
    }

    public var axes: [Axis]

    public init(axes: [Axis] = []) {
        self.axes = axes
    }

    public var isEmpty: Bool { axes.isEmpty }

    /// The number of points (1 for no sweep); `Int.max` when the product
    /// overflows (validation refuses such sweeps).
    public var pointCount: Int {
        var count = 1
        for size in sizes {
            let (product, overflow) = count.multipliedReportingOverflow(by: size)
            if overflow { return .max }
            count = product
        }
        return count
    }

    /// The number of values of each axis, in order.
    public var sizes: [Int] {
        axes.map { axis in
            switch axis {
            case .values(_, let values): return values.count
            case .zip(_, let rows): return rows.count
            case .repeat(let n), .folds(let n): return n
            }
        }
    }

    /// Point `index` (0 ..< pointCount) as (key path, value) pairs in axis order:
    /// the index in mixed radix over the axes, the first axis varying slowest.
    /// Costs O(axes), whatever the number of points.
    public func point(_ index: Int) -> [(key: String, value: Value, role: CoordinateRole)] {
        var digits = [Int](repeating: 0, count: axes.count)
        var rest = index
        for (position, size) in sizes.enumerated().reversed() {
            digits[position] = rest % size
            rest /= size
        }
        return zip(axes, digits).flatMap { axis, digit -> [(key: String, value: Value, role: CoordinateRole)] in
            switch axis {
            case .values(let key, let values): return [(key, values[digit], .swept)]
            case .zip(let keys, let rows): return Array(zip(keys, rows[digit])).map { ($0.0, $0.1, .swept) }
            case .repeat: return [("rep", .number(Double(digit)), .replicate)]
            case .folds: return [("fold", .number(Double(digit)), .fold)]
            }
        }
    }

    /// The swept key paths, in order (`rep` for a repeat).
    public var keys: [String] {
        axes.flatMap { axis -> [String] in
            switch axis {
            case .values(let key, _): return [key]
            case .zip(let keys, _): return keys
            case .repeat: return ["rep"]
            case .folds: return ["fold"]
            }
        }
    }

    /// "init_scale × l2 (9 × 3)".
    public var shape: String {
        guard !axes.isEmpty else { return "" }
        let names = axes.map { axis -> String in
            switch axis {
            case .values(let key, _): return key
            case .zip(let keys, _): return "zip(" + keys.joined(separator: ", ") + ")"
            case .repeat: return "rep"
            case .folds: return "fold"
            }
        }
        let sizes = axes.map { axis -> String in
            switch axis {
            case .values(_, let values): return String(values.count)
            case .zip(_, let rows): return String(rows.count)
            case .repeat(let n), .folds(let n): return String(n)
            }
        }
        return names.joined(separator: " × ") + " (" + sizes.joined(separator: " × ") + ")"
    }

    /// Every point in axis order (for small sweeps).
    public func points() -> [[(key: String, value: Value, role: CoordinateRole)]] {
        (0..<pointCount).map(point)
    }

    /// The values of `linspace: [a, b, n]`, `logspace: [a, b, n]` (10^a … 10^b)
    /// and `range: [a, b, step]` (a, a + step, … while below b, as Python's range).
    static func generate(_ kind: String, _ arguments: [Double]) -> Result<[Double], GeneratorError> {
        let (a, b, third) = (arguments[0], arguments[1], arguments[2])
        switch kind {
        case "linspace", "logspace":
            guard third.rounded() == third, third >= 1 else { return .failure(.count(third)) }
            guard third <= Double(maximumValues) else { return .failure(.tooMany(Int(min(third, 9e18)))) }
            let n = Int(third)
            // The last value is the stop exactly, as NumPy's linspace makes it.
            let linear = (0..<n).map { n == 1 ? a : $0 == n - 1 ? b : a + (b - a) * Double($0) / Double(n - 1) }
            return .success(kind == "linspace" ? linear : linear.map { pow(10, $0) })
        default:
            guard third != 0, third.isFinite else { return .failure(.step) }
            guard (b - a) / third > 0 else { return .success([]) }
            let steps = ((b - a) / third - 1e-9).rounded(.up)
            guard steps <= Double(maximumValues) else { return .failure(.tooMany(Int(min(steps, 9e18)))) }
            let count = Int(steps)
            guard count <= maximumValues else { return .failure(.tooMany(count)) }
            return .success((0..<count).map { a + Double($0) * third })
        }
    }

    /// The most values one swept key (or zip group) may take.
    public static let maximumValues = 1_000_000

    enum GeneratorError: Error {
        case count(Double)
        case step
        case tooMany(Int)
    }
}
