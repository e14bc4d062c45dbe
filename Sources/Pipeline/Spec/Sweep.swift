import Foundation

/// The points a stage expands into: the cartesian product of its axes in
/// declaration order (the first axis varies slowest), a zip group being one
/// axis and `repeat` an axis `rep` = 0, 1, …, N−1.
public struct Sweep: Sendable, Equatable {
    public enum Axis: Sendable, Equatable {
        case values(key: String, values: [Value])
        case zip(keys: [String], rows: [[Value]])
        case `repeat`(count: Int)
    }

    public var axes: [Axis]

    public init(axes: [Axis] = []) {
        self.axes = axes
    }

    public var isEmpty: Bool { axes.isEmpty }

    /// The number of points (1 for no sweep).
    public var pointCount: Int {
        axes.reduce(1) { count, axis in
            switch axis {
            case .values(_, let values): return count * values.count
            case .zip(_, let rows): return count * rows.count
            case .repeat(let n): return count * n
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
            }
        }
        let sizes = axes.map { axis -> String in
            switch axis {
            case .values(_, let values): return String(values.count)
            case .zip(_, let rows): return String(rows.count)
            case .repeat(let n): return String(n)
            }
        }
        return names.joined(separator: " × ") + " (" + sizes.joined(separator: " × ") + ")"
    }

    /// Every point as (key path, value) pairs in axis order.
    public func points() -> [[(key: String, value: Value)]] {
        var points: [[(key: String, value: Value)]] = [[]]
        for axis in axes {
            let choices: [[(key: String, value: Value)]]
            switch axis {
            case .values(let key, let values): choices = values.map { [(key, $0)] }
            case .zip(let keys, let rows): choices = rows.map { row in Array(zip(keys, row)).map { ($0.0, $0.1) } }
            case .repeat(let n): choices = (0..<n).map { [("rep", .number(Double($0)))] }
            }
            points = points.flatMap { prefix in choices.map { prefix + $0 } }
        }
        return points
    }

    /// The values of `linspace: [a, b, n]`, `logspace: [a, b, n]` (10^a … 10^b)
    /// and `range: [a, b, step]` (a, a + step, … while below b, as Python's range).
    static func generate(_ kind: String, _ arguments: [Double]) -> Result<[Double], GeneratorError> {
        let (a, b, third) = (arguments[0], arguments[1], arguments[2])
        switch kind {
        case "linspace", "logspace":
            guard third.rounded() == third, third >= 1 else { return .failure(.count(third)) }
            let n = Int(third)
            // The last value is the stop exactly, as NumPy's linspace makes it.
            let linear = (0..<n).map { n == 1 ? a : $0 == n - 1 ? b : a + (b - a) * Double($0) / Double(n - 1) }
            return .success(kind == "linspace" ? linear : linear.map { pow(10, $0) })
        default:
            guard third != 0, third.isFinite else { return .failure(.step) }
            guard (b - a) / third > 0 else { return .success([]) }
            let count = Int(((b - a) / third - 1e-9).rounded(.up))
            guard count <= 1_000_000 else { return .failure(.tooMany(count)) }
            return .success((0..<count).map { a + Double($0) * third })
        }
    }

    enum GeneratorError: Error {
        case count(Double)
        case step
        case tooMany(Int)
    }
}
