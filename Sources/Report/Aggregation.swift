import Foundation
import ResultsFormat

/// The summary aggregated over replicates and folds: one row per combination
/// of the other locating columns (coordinates, stage), with the number of
/// rows n and, per metric, the mean, the sample standard deviation and the
/// half-width of a 95% confidence interval for the mean (Student's t with
/// n − 1 degrees of freedom). NaN values (a failed point's) are left out of
/// their metric's statistics.
public enum Aggregation {
    public static func table(_ table: Table, roles: [String: SummaryRole], metrics: [String]) -> Table {
        let groupNames = table.names.filter { roles[$0] == .coordinate || roles[$0] == .stage }
        var order: [String] = []
        var members: [String: [Int]] = [:]
        for row in 0..<table.rows {
            let key = groupNames.map { table[$0]!.text(row) }.joined(separator: "\u{1F}")
            if members[key] == nil { order.append(key) }
            members[key, default: []].append(row)
        }
        let firsts = order.map { members[$0]![0] }
        var result = Table()
        for name in groupNames { result.append(name, table[name]!.selecting(firsts)) }
        result.append("n", .numbers(order.map { Double(members[$0]!.count) }))
        for metric in metrics {
            guard let values = table[metric]?.numbers else { continue }
            var means: [Double] = [], deviations: [Double] = [], intervals: [Double] = []
            for key in order {
                let sample = members[key]!.map { values[$0] }.filter { !$0.isNaN }
                let (mean, sd, half) = statistics(sample)
                means.append(mean)
                deviations.append(sd)
                intervals.append(half)
            }
            result.append(metric, .numbers(means))
            result.append(metric + "_sd", .numbers(deviations))
            result.append(metric + "_ci95", .numbers(intervals))
        }
        return result
    }

    /// Mean, sample standard deviation and the 95% interval's half-width
    /// t_{0.975, n−1}·sd/√n (NaN where n is too small).
    static func statistics(_ sample: [Double]) -> (mean: Double, sd: Double, half: Double) {
        let n = sample.count
        guard n > 0 else { return (.nan, .nan, .nan) }
        let mean = sample.reduce(0, +) / Double(n)
        guard n > 1 else { return (mean, .nan, .nan) }
        let variance = sample.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n - 1)
        let sd = variance.squareRoot()
        return (mean, sd, studentQuantile975(degrees: n - 1) * sd / Double(n).squareRoot())
    }

    /// t_{0.975, ν}: from a table of t quantiles (12 digits) for ν ≤ 30, else
    /// the Cornish–Fisher expansion about the normal quantile (within 10⁻⁴ there).
    public static func studentQuantile975(degrees: Int) -> Double {
        let table = [12.7062047362, 4.30265272975, 3.18244630528, 2.7764451052, 2.57058183564, 2.44691185114,
                     2.36462425159, 2.3060041352, 2.2621571628, 2.22813885199, 2.20098516009, 2.17881282967,
                     2.16036865646, 2.14478668792, 2.13144954556, 2.11990529922, 2.10981557783, 2.10092204024,
                     2.09302405441, 2.08596344727, 2.07961384473, 2.0738730679, 2.06865761042, 2.06389856163,
                     2.05953855275, 2.05552943864, 2.05183051648, 2.0484071418, 2.04522964213, 2.0422724563]
        if degrees >= 1, degrees <= table.count { return table[degrees - 1] }
        let z = 1.959963984540054, v = Double(degrees)
        let z3 = z * z * z, z5 = z3 * z * z, z7 = z5 * z * z
        return z + (z3 + z) / (4 * v) + (5 * z5 + 16 * z3 + 3 * z) / (96 * v * v)
            + (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * v * v * v)
    }
}
