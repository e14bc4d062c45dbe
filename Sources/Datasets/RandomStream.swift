/// A deterministic, splittable stream of random numbers: Philox4x64-10, the
/// counter-based generator of Salmon, Moraes, Dror and Shaw, "Parallel random
/// numbers: as easy as 1, 2, 3" (SC 2011) — the same function as NumPy's
/// `numpy.random.Philox`, which the tests compare against bit for bit.
///
/// A stream is a key (derived from the master seed and the consumer's identity)
/// and a counter. Output block b of substream s is Philox(counter = (b, s, 0, 0),
/// key), so any draw depends only on (seed, identity, substream, position), never
/// on which thread asked first or in what order (docs/architecture.md, Determinism).
///
/// Not cryptographic; not guaranteed to give the same Gaussians across C
/// libraries (the Box–Muller transform calls `log`, `sin` and `cos`).
public struct RandomStream: Sendable {
    public private(set) var key: (UInt64, UInt64)
    public let substreamIndex: UInt64
    private var block: UInt64 = 0
    private var buffer: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
    private var position = 4
    private var spareGaussian: Double?

    /// The root stream of a master seed.
    public init(seed: UInt64) {
        self.init(key: (seed, 0x5245_4749_4D45_0001), substream: 0)  // "REGIME" tags the root
    }

    private init(key: (UInt64, UInt64), substream: UInt64) {
        self.key = key
        self.substreamIndex = substream
    }

    /// An independent stream for a named consumer — a stage id, a coordinate, a
    /// purpose like "design" or "noise". The key is a Philox-based hash of this
    /// stream's key and the label, so distinct labels give unrelated streams.
    public func derived(_ label: String) -> RandomStream {
        var state = key
        var bytes = Array(label.utf8)
        let length = UInt64(bytes.count)
        while bytes.count % 16 != 0 { bytes.append(0) }
        var chunk = 0
        repeat {
            var word0: UInt64 = 0, word1: UInt64 = 0
            if chunk * 16 < bytes.count {
                for i in 0..<8 {
                    word0 |= UInt64(bytes[chunk * 16 + i]) << (8 * i)
                    word1 |= UInt64(bytes[chunk * 16 + 8 + i]) << (8 * i)
                }
            }
            let out = Philox.block(counter: (word0, word1, length, UInt64(chunk) | 0xD1_0000_0000), key: state)
            state = (out.0 ^ state.0, out.1 ^ state.1)
            chunk += 1
        } while chunk * 16 < bytes.count
        return RandomStream(key: state, substream: substreamIndex)
    }

    /// Substream `index` of this stream's key: for drawing row i of a design
    /// independently of how many rows come before it.
    public func substream(_ index: Int) -> RandomStream {
        RandomStream(key: key, substream: UInt64(index))
    }

    /// The next 64 random bits.
    @inline(__always)
    public mutating func nextUInt64() -> UInt64 {
        if position == 4 {
            buffer = Philox.block(counter: (block, substreamIndex, 0, 0), key: key)
            block &+= 1
            position = 0
        }
        defer { position += 1 }
        switch position {
        case 0: return buffer.0
        case 1: return buffer.1
        case 2: return buffer.2
        default: return buffer.3
        }
    }

    /// A uniform double in [0, 1), with 53 random bits.
    @inline(__always)
    public mutating func nextUniform() -> Double {
        Double(nextUInt64() >> 11) * 0x1.0p-53
    }

    /// A standard normal draw (Box–Muller; pairs are used in order).
    public mutating func nextGaussian() -> Double {
        if let spare = spareGaussian {
            spareGaussian = nil
            return spare
        }
        let u1 = 1 - nextUniform()             // (0, 1]: log is finite
        let u2 = nextUniform()
        let radius = (-2 * _log(u1)).squareRoot()
        let angle = 2 * Double.pi * u2
        spareGaussian = radius * _sin(angle)
        return radius * _cos(angle)
    }

    /// A uniform integer in 0..<bound, without modulo bias (Lemire's method).
    public mutating func nextInt(below bound: Int) -> Int {
        precondition(bound > 0, "empty range")
        let range = UInt64(bound)
        var product = nextUInt64().multipliedFullWidth(by: range)
        if product.low < range {
            let threshold = (0 &- range) % range
            while product.low < threshold { product = nextUInt64().multipliedFullWidth(by: range) }
        }
        return Int(product.high)
    }

    /// A uniformly random permutation of 0..<count (Fisher–Yates).
    public mutating func permutation(_ count: Int) -> [Int] {
        var items = Array(0..<count)
        if count < 2 { return items }
        for i in stride(from: count - 1, to: 0, by: -1) {
            items.swapAt(i, nextInt(below: i + 1))
        }
        return items
    }
}

/// The Philox4x64 block function with 10 rounds.
public enum Philox {
    private static let multipliers: (UInt64, UInt64) = (0xD2E7_470E_E14C_6C93, 0xCA5A_8263_9512_1157)
    private static let weyl: (UInt64, UInt64) = (0x9E37_79B9_7F4A_7C15, 0xBB67_AE85_84CA_A73B)

    /// Philox4x64-10 of `counter` under `key`.
    @inline(__always)
    public static func block(counter: (UInt64, UInt64, UInt64, UInt64),
                             key: (UInt64, UInt64)) -> (UInt64, UInt64, UInt64, UInt64) {
        var c = counter
        var k = key
        for round in 0..<10 {
            if round > 0 { k = (k.0 &+ weyl.0, k.1 &+ weyl.1) }
            let p0 = multipliers.0.multipliedFullWidth(by: c.0)
            let p1 = multipliers.1.multipliedFullWidth(by: c.2)
            c = (p1.high ^ c.1 ^ k.0, p1.low, p0.high ^ c.3 ^ k.1, p0.low)
        }
        return c
    }
}

// Foundation-free elementary functions from the C library.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
@inline(__always) private func _log(_ x: Double) -> Double { log(x) }
@inline(__always) private func _sin(_ x: Double) -> Double { sin(x) }
@inline(__always) private func _cos(_ x: Double) -> Double { cos(x) }
