// What the HDF5 harnesses (FuzzHDF5, FuzzResults) share: a reader of fuzz bytes
// as small structured choices, the per-process temporary file, and writers that
// turn those choices into HDF5 objects through regime's own HDF5 module.

import Foundation
import HDF5

/// The fuzz input read front to back as small choices; past the end every read is 0.
public struct ByteStream {
    private let bytes: [UInt8]
    private var index: Int

    public init<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        self.bytes = Array(bytes)
        index = 0
    }

    public var isAtEnd: Bool { index >= bytes.count }

    public mutating func byte() -> UInt8 {
        guard index < bytes.count else { return 0 }
        defer { index += 1 }
        return bytes[index]
    }

    /// 0..<count.
    public mutating func int(below count: Int) -> Int { count <= 1 ? 0 : Int(byte()) % count }

    public mutating func pick<T>(_ choices: [T]) -> T { choices[int(below: choices.count)] }

    /// A number: mostly small integers and fractions, sometimes NaN, ±infinity,
    /// extremes, or eight raw bytes.
    public mutating func double() -> Double {
        let selector = byte()
        switch selector {
        case 0..<200: return Double(Int(selector) - 100) / (selector & 1 == 0 ? 1 : 8)
        case 200: return .nan
        case 201: return .infinity
        case 202: return -.infinity
        case 203: return .greatestFiniteMagnitude
        case 204: return -.greatestFiniteMagnitude
        case 205: return .leastNonzeroMagnitude
        case 206: return 1e300
        case 207: return 9.2233720368547758e18  // 2^63: just past Int.max
        case 208: return -9.2233720368547758e18
        case 209: return 1e15
        case 210: return 0.001
        default:
            var raw: UInt64 = 0
            for _ in 0..<8 { raw = raw << 8 | UInt64(byte()) }
            return Double(bitPattern: raw)
        }
    }

    /// Text of up to 15 characters, from ASCII and a few troublesome pieces.
    public mutating func string() -> String {
        let length = int(below: 16)
        var text = ""
        for _ in 0..<length {
            let b = byte()
            switch b {
            case 0..<0x20: text += ["", "\"", ",", "\n", "\r", "<", ">", "&", "—", "é", "\u{FEFF}", "\u{0301}", "🙂", " ", "\t", "="][Int(b) % 16]
            case 0x20..<0x7F: text.unicodeScalars.append(Unicode.Scalar(b))
            default: text += String(decoding: [b, byte()], as: UTF8.self)
            }
        }
        return text
    }
}

/// The HDF5 signature: an input that starts with it is a file, loaded as is.
public let hdf5Signature: [UInt8] = [0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A]

/// The one temporary file of this process (in $REGIME_FUZZ_TMP, else the
/// system's temporary directory), overwritten by every input.
public enum FuzzFile {
    public static func path(_ label: String) -> String {
        let directory = ProcessInfo.processInfo.environment["REGIME_FUZZ_TMP"] ?? NSTemporaryDirectory()
        return (directory as NSString).appendingPathComponent("regime-fuzz-\(label)-\(getpid()).h5")
    }

    public static func write(_ bytes: [UInt8], to path: String) {
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
    }

    /// With REGIME_FUZZ_SAVE=path, a generated file is also copied there: how a
    /// crashing input of the generating mode becomes an .h5 regression file.
    public static func keepCopy(of path: String) {
        guard let target = ProcessInfo.processInfo.environment["REGIME_FUZZ_SAVE"] else { return }
        try? FileManager.default.removeItem(atPath: target)
        try? FileManager.default.copyItem(atPath: path, toPath: target)
    }
}

/// Whether a file holds a dataset that is legitimately too big to read here:
/// more than `limit` bytes as Float64 but still within the machine's memory. A
/// file of a few bytes can declare such a dataset (chunked, never written); the
/// reader would rightly try to allocate it, which libFuzzer counts as a crash.
/// Larger or overflowing shapes are the reader's to refuse, so they stay in.
public func declaresLargeDataset(_ path: String, limit: Int = 1 << 30) -> Bool {
    guard let file = try? File.open(path, locking: .off) else { return false }
    defer { try? file.close() }
    func visit(_ container: Container, depth: Int) -> Bool {
        guard depth < 4, let names = try? container.memberNames() else { return false }
        for name in names.prefix(64) {
            switch try? container.kind(of: name) {
            case .dataset?:
                guard let shape = try? container.openDataset(name).shape else { continue }
                var bytes = 8, overflow = false
                for extent in shape where !overflow { (bytes, overflow) = bytes.multipliedReportingOverflow(by: extent) }
                if !overflow, bytes > limit, UInt64(bytes) <= ProcessInfo.processInfo.physicalMemory { return true }
            case .group?:
                if let group = try? container.openGroup(name), visit(group, depth: depth + 1) { return true }
            default:
                continue
            }
        }
        return false
    }
    return visit(file, depth: 0)
}

/// Writers of the objects the generating modes put in a file. Each fails with a
/// thrown error when HDF5 refuses (a name taken, a path through a dataset):
/// the caller skips that object.
public enum Objects {
    /// A numeric dataset of `shape` in one of the element types regime writes
    /// (selected by `type`), filled from the stream.
    @discardableResult
    public static func numeric(_ container: Container, _ name: String, shape: [Int], type: Int,
                               _ stream: inout ByteStream) throws -> HDF5.Dataset {
        let count = shape.reduce(1, *)
        var values: [Double] = []
        values.reserveCapacity(count)
        for _ in 0..<count { values.append(stream.double()) }
        func clamp(_ x: Double, _ low: Double, _ high: Double) -> Double { x.isNaN ? 0 : min(max(x, low), high) }
        switch type % 6 {
        case 0: return try container.write(name, values, shape: shape)
        case 1: return try container.write(name, values.map { Float($0) }, shape: shape)
        case 2: return try container.write(name, values.map { Int64(clamp($0, -9e18, 9e18)) }, shape: shape)
        case 3: return try container.write(name, values.map { Int32(clamp($0, -2e9, 2e9)) }, shape: shape)
        case 4: return try container.write(name, values.map { UInt8(clamp($0, 0, 255)) }, shape: shape)
        default: return try container.write(name, values.map { $0 > 0 }, shape: shape)
        }
    }

    /// A shape of rank 0–3 with small extents (and some zeros).
    public static func shape(_ stream: inout ByteStream, rankBelow: Int = 4) -> [Int] {
        (0..<stream.int(below: rankBelow)).map { _ in stream.int(below: 7) }
    }

    /// An attribute of any kind regime writes: strings, a string, numbers, a number.
    public static func attribute(_ object: Object, _ name: String, _ stream: inout ByteStream) throws {
        switch stream.int(below: 6) {
        case 0: try object.setAttribute(name, (0..<stream.int(below: 6)).map { _ in stream.string() })
        case 1: try object.setAttribute(name, stream.string())
        case 2: try object.setAttribute(name, stream.double())
        case 3: try object.setAttribute(name, Int64(stream.byte()) - 3)
        case 4: try object.setAttribute(name, [String]())
        default: try object.setAttribute(name, (0..<stream.int(below: 5)).map { _ in stream.double() })
        }
    }
}
