import Foundation
import ResultsFormat

/// An axis: the data range mapped onto pixels, linear or logarithmic, with
/// ticks at sensible values — 1, 2 or 5 × 10^k apart on a linear axis, the
/// decades on a log axis (with 2 and 5 between them when fewer than three
/// decades are in view, every k-th decade when more than eight are).
struct Axis {
    let low: Double
    let high: Double
    let logarithmic: Bool
    /// The pixel positions of `low` and `high` (for a y axis, start > end).
    let start: Double
    let end: Double
    /// The most tick labels on a log axis (a reader's limit, not the space's).
    static let maximumLabels = 8

    init(values: [Double], logarithmic: Bool, from start: Double, to end: Double) {
        let finite = values.filter { $0.isFinite && (!logarithmic || $0 > 0) }
        var low = finite.min() ?? (logarithmic ? 1 : 0), high = finite.max() ?? (logarithmic ? 10 : 1)
        if logarithmic {
            if low == high { low /= 2; high *= 2 }
        } else {
            if low == high { low -= 0.5 * max(abs(low), 1); high += 0.5 * max(abs(high), 1) }
            let pad = (high - low) * 0.04
            low -= pad
            high += pad
        }
        self.low = low
        self.high = high
        self.logarithmic = logarithmic
        self.start = start
        self.end = end
    }

    func position(_ x: Double) -> Double {
        let fraction = logarithmic ? (log10(x) - log10(low)) / (log10(high) - log10(low)) : (x - low) / (high - low)
        return start + fraction * (end - start)
    }

    func contains(_ x: Double) -> Bool { x.isFinite && (!logarithmic || x > 0) }

    var ticks: [Double] {
        if logarithmic {
            let first = Int(floor(log10(low))), last = Int(ceil(log10(high)))
            func inside(_ values: [Double]) -> [Double] { values.filter { $0 >= low * (1 - 1e-9) && $0 <= high * (1 + 1e-9) } }
            let decades = inside((first...last).map { pow(10, Double($0)) })
            // Over a wide range, every k-th decade (exponents divisible by k),
            // so that at most `maximumLabels` labels share the axis.
            if decades.count > Axis.maximumLabels {
                let k = Int((Double(decades.count) / Double(Axis.maximumLabels)).rounded(.up))
                return decades.filter { Int(log10($0).rounded()) % k == 0 }
            }
            // With fewer than three decades in view, 2 and 5 × 10^k fill in.
            guard decades.count < 3 else { return decades }
            return inside((first...last).flatMap { exponent in [1.0, 2, 5].map { $0 * pow(10, Double(exponent)) } })
        }
        // The 1-2-5 step that gives closest to six ticks.
        let raw = (high - low) / 6
        let magnitude = pow(10, floor(log10(raw)))
        let step = [0.5, 1.0, 2, 5, 10].map { $0 * magnitude }.min { abs((high - low) / $0 - 6) < abs((high - low) / $1 - 6) }!
        var values: [Double] = []
        var tick = ceil(low / step) * step
        while tick <= high + step * 1e-9 {
            values.append(abs(tick) < step * 1e-9 ? 0 : tick)
            tick += step
        }
        return values
    }

    func label(_ x: Double) -> String {
        if logarithmic {
            let exponent = log10(x)
            if abs(exponent - exponent.rounded()) < 1e-9 {
                let e = Int(exponent.rounded())
                return e == 0 ? "1" : e == 1 ? "10" : "10" + Axis.superscript(e)
            }
        }
        if x == 0 { return "0" }
        let magnitude = abs(x)
        if magnitude >= 1e-3 && magnitude < 1e5 {
            var text = String(format: "%.4g", x)
            if text.contains("e") { text = String(format: "%.2e", x) }
            return text
        }
        return String(format: "%.1e", x)
    }

    static func superscript(_ n: Int) -> String {
        let digits: [Character] = ["⁰", "¹", "²", "³", "⁴", "⁵", "⁶", "⁷", "⁸", "⁹"]
        return (n < 0 ? "⁻" : "") + String(String(abs(n)).map { digits[Int(String($0))!] })
    }
}
