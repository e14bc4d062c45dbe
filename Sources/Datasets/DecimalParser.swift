#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Decimal numbers to the nearest double, as strtod rounds them, fast.
///
/// A CSV of shortest round-trip doubles (what NumPy, pandas and Python write)
/// holds 16–17 significant digits per cell, beyond the exact fast path (a
/// mantissa below 2⁵³ times a power of ten below 10²³), so strtod took its
/// slow big-number path for nearly every cell. The Eisel–Lemire algorithm
/// (Lemire, "Number Parsing at a Gigabyte per Second", 2021; Go's strconv and
/// Wuffs implement it the same way) rounds a mantissa of up to 19 digits times
/// any power of ten correctly from a 128-bit approximation of the power, and
/// says when it cannot decide (a near tie, a subnormal or overflowing result,
/// or more than 19 digits); then strtod decides, on the same bytes.
enum DecimalParser {
    /// What a cell's bytes are.
    enum Parsed {
        case value(Double)
        /// Not a decimal number in this grammar: [+-]digits[.digits][(e|E)[+-]digits]
        /// with at least one digit before the exponent.
        case invalid
    }

    /// Parses `count` bytes at `start`. The byte after them must be readable and
    /// must not continue a number (a separator, a line end, or a 0 the caller
    /// placed there), as strtod reads up to it when it decides.
    @inline(__always)
    static func parse(_ start: UnsafePointer<UInt8>, count: Int) -> Parsed {
        var index = 0
        var negative = false
        if index < count, start[index] == 0x2D || start[index] == 0x2B {
            negative = start[index] == 0x2D
            index += 1
        }
        var mantissa: UInt64 = 0
        var digits = 0            // significant digits taken into the mantissa
        var dropped = false       // a nonzero digit beyond the 19th
        var exponent = 0          // the power of ten the mantissa is scaled by
        var sawDigit = false
        // The digits before the point scale the mantissa up past the 19th,
        // those after it scale it down while they are taken.
        @inline(__always) func digitRun(fraction: Bool) {
            while index < count {
                let digit = start[index] &- 0x30
                guard digit < 10 else { break }
                sawDigit = true
                if digits < 19 {
                    if mantissa != 0 || digit != 0 {
                        mantissa = mantissa &* 10 &+ UInt64(digit)
                        digits += 1
                    }
                    if fraction { exponent -= 1 }
                } else {
                    if !fraction { exponent += 1 }
                    if digit != 0 { dropped = true }
                }
                index += 1
            }
        }
        digitRun(fraction: false)
        if index < count, start[index] == 0x2E {
            index += 1
            digitRun(fraction: true)
        }
        guard sawDigit else { return .invalid }
        // Exponent.
        if index < count, start[index] == 0x65 || start[index] == 0x45 {
            index += 1
            var negativeExponent = false
            if index < count, start[index] == 0x2D || start[index] == 0x2B {
                negativeExponent = start[index] == 0x2D
                index += 1
            }
            var value = 0
            var sawExponentDigit = false
            while index < count {
                let digit = start[index] &- 0x30
                guard digit < 10 else { break }
                sawExponentDigit = true
                if value < 100_000 { value = value * 10 + Int(digit) }
                index += 1
            }
            guard sawExponentDigit else { return .invalid }
            exponent += negativeExponent ? -value : value
        }
        guard index == count else { return .invalid }
        if mantissa == 0 { return .value(negative ? -0.0 : 0.0) }
        if !dropped {
            // Exact: both factors are doubles and one rounding happens.
            if mantissa <= 1 << 53, exponent >= -22, exponent <= 22 {
                let value = exponent >= 0 ? Double(mantissa) * exactPowers[exponent] : Double(mantissa) / exactPowers[-exponent]
                return .value(negative ? -value : value)
            }
            if let value = eiselLemire(mantissa, exponent, negative) { return .value(value) }
        }
        // strtod decides (its grammar accepts every string ours does).
        var end: UnsafeMutablePointer<CChar>?
        let value = start.withMemoryRebound(to: CChar.self, capacity: count + 1) { strtod($0, &end) }
        return .value(value)
    }

    private static let exactPowers: [Double] = (0...22).map { power in
        var value = 1.0
        for _ in 0..<power { value *= 10 }
        return value
    }

    /// w·10^q rounded to the nearest double, or nil when the 128-bit product
    /// cannot decide (the caller falls back to strtod).
    @inline(__always)
    static func eiselLemire(_ man: UInt64, _ exp10: Int, _ negative: Bool) -> Double? {
        guard exp10 >= PowersOfTen.minimum, exp10 <= PowersOfTen.maximum else { return nil }
        let entry = PowersOfTen.table[exp10 - PowersOfTen.minimum]
        let clz = man.leadingZeroBitCount
        let w = man << UInt64(clz)
        var exp2 = UInt64(bitPattern: Int64((217_706 * exp10) >> 16 + 64 + 1023)) &- UInt64(clz)
        var (hi, lo) = w.multipliedFullWidth(by: entry.high)
        if hi & 0x1FF == 0x1FF, lo &+ w < w {
            let (yHi, yLo) = w.multipliedFullWidth(by: entry.low)
            var mergedHi = hi
            let mergedLo = lo &+ yHi
            if mergedLo < lo { mergedHi &+= 1 }
            if mergedHi & 0x1FF == 0x1FF, mergedLo &+ 1 == 0, yLo &+ w < w { return nil }
            hi = mergedHi
            lo = mergedLo
        }
        let msb = hi >> 63
        var mantissa = hi >> (msb + 9)
        exp2 &-= 1 ^ msb
        if lo == 0, hi & 0x1FF == 0, mantissa & 3 == 1 { return nil }
        mantissa &+= mantissa & 1
        mantissa >>= 1
        if mantissa >> 53 > 0 {
            mantissa >>= 1
            exp2 &+= 1
        }
        if exp2 &- 1 >= 0x7FF - 1 { return nil }
        let bits = exp2 << 52 | mantissa & 0x000F_FFFF_FFFF_FFFF | (negative ? 1 << 63 : 0)
        return Double(bitPattern: bits)
    }
}

/// 128-bit mantissas of 10^q for q in −348…347, rounded down, the high word
/// normalized (its top bit set); the binary exponent is implied by
/// ⌊217706·q / 2¹⁶⌋. Computed once with exact integer arithmetic: 10^q itself
/// for q ≥ 0, ⌊2^K / 10^−q⌋ (by repeated exact division by 10) for q < 0.
enum PowersOfTen {
    static let minimum = -348, maximum = 347

    struct Entry: Sendable {
        var high: UInt64
        var low: UInt64
    }

    static let table: [Entry] = {
        var entries = [Entry](repeating: Entry(high: 0, low: 0), count: maximum - minimum + 1)
        // Nonnegative powers: 10^q exactly, as little-endian 32-bit limbs.
        var power: [UInt32] = [1]
        for q in 0...maximum {
            entries[q - minimum] = top128(power)
            var carry: UInt64 = 0
            for index in power.indices {
                let product = UInt64(power[index]) * 10 + carry
                power[index] = UInt32(truncatingIfNeeded: product)
                carry = product >> 32
            }
            if carry > 0 { power.append(UInt32(carry)) }
        }
        // Negative powers: ⌊2^K / 10^|q|⌋ keeps well over 128 significant bits
        // for K = 1,400 (10^348 < 2^1157), and its top 128 bits are those of 10^q.
        var quotient = [UInt32](repeating: 0, count: 1400 / 32 + 1)
        quotient[1400 / 32] = 1 << (1400 % 32)
        for q in stride(from: -1, through: minimum, by: -1) {
            var remainder: UInt64 = 0
            for index in quotient.indices.reversed() {
                let current = remainder << 32 | UInt64(quotient[index])
                quotient[index] = UInt32(current / 10)
                remainder = current % 10
            }
            entries[q - minimum] = top128(quotient)
        }
        return entries
    }()

    /// The 128 most significant bits of a big integer (little-endian 32-bit
    /// limbs), truncated.
    private static func top128(_ limbs: [UInt32]) -> Entry {
        guard let top = limbs.lastIndex(where: { $0 != 0 }) else { return Entry(high: 0, low: 0) }
        let bitLength = top * 32 + (32 - limbs[top].leadingZeroBitCount)
        func bit(_ position: Int) -> UInt64 {
            guard position >= 0 else { return 0 }
            return UInt64(limbs[position / 32] >> UInt32(position % 32) & 1)
        }
        var high: UInt64 = 0, low: UInt64 = 0
        for offset in 0..<64 { high = high << 1 | bit(bitLength - 1 - offset) }
        for offset in 64..<128 { low = low << 1 | bit(bitLength - 1 - offset) }
        return Entry(high: high, low: low)
    }
}
