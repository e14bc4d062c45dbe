import Crypto
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A SHA-256 digest: content keys of stage instances, digests of input files,
/// checksums of cache entries. Stored as four words (32 bytes, no heap), shown
/// as 64 lowercase hex digits.
public struct SHA256Digest: Hashable, Sendable, CustomStringConvertible {
    public let words: (UInt64, UInt64, UInt64, UInt64)

    init(_ digest: SHA256.Digest) {
        var words: [UInt64] = [0, 0, 0, 0]
        for (index, byte) in digest.enumerated() { words[index / 8] = words[index / 8] << 8 | UInt64(byte) }
        self.words = (words[0], words[1], words[2], words[3])
    }

    /// The digest of bytes.
    public init(hashing bytes: some Collection<UInt8>) {
        var hasher = Hasher256()
        hasher.update(bytes)
        self = hasher.finalize()
    }

    /// The digest of a text's UTF-8 bytes.
    public init(hashing text: String) {
        var hasher = Hasher256()
        hasher.update(text)
        self = hasher.finalize()
    }

    /// The digest written as 64 hex digits, or nil for anything else.
    public init?(hex: some StringProtocol) {
        let digits = Array(hex.utf8)
        guard digits.count == 64 else { return nil }
        var words: [UInt64] = [0, 0, 0, 0]
        for (index, digit) in digits.enumerated() {
            let value: UInt64
            switch digit {
            case 0x30...0x39: value = UInt64(digit - 0x30)
            case 0x61...0x66: value = UInt64(digit - 0x61 + 10)
            default: return nil
            }
            words[index / 16] = words[index / 16] << 4 | value
        }
        self.words = (words[0], words[1], words[2], words[3])
    }

    /// The 32 bytes, most significant first (SHA-256's own order).
    public var bytes: [UInt8] {
        [words.0, words.1, words.2, words.3].flatMap { word in (0..<8).reversed().map { UInt8(truncatingIfNeeded: word >> ($0 * 8)) } }
    }

    /// 64 lowercase hex digits.
    public var hex: String {
        let digits = Array("0123456789abcdef".utf8)
        var text = [UInt8]()
        text.reserveCapacity(64)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 15)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    public var description: String { hex }

    public static func == (a: SHA256Digest, b: SHA256Digest) -> Bool {
        a.words.0 == b.words.0 && a.words.1 == b.words.1 && a.words.2 == b.words.2 && a.words.3 == b.words.3
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(words.0)
        hasher.combine(words.1)
    }

    /// The digest of a file's bytes, read in 1 MiB blocks.
    public static func ofFile(_ path: String) throws(SystemError) -> SHA256Digest {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw SystemError.current(path: path, operation: "cannot read") }
        defer { close(descriptor) }
        var hasher = Hasher256()
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress!, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw SystemError.current(path: path, operation: "cannot read")
            }
            if count == 0 { break }
            hasher.update(buffer[..<count])
        }
        return hasher.finalize()
    }
}

/// SHA-256 computed incrementally: for content keys built from many parts
/// without joining them into one string first.
public struct Hasher256 {
    private var state = SHA256()

    public init() {}

    public mutating func update(_ bytes: some Collection<UInt8>) {
        if let done: Void = bytes.withContiguousStorageIfAvailable({ state.update(bufferPointer: UnsafeRawBufferPointer($0)) }) {
            return done
        }
        state.update(data: Array(bytes))
    }

    public mutating func update(_ text: String) {
        var text = text
        text.withUTF8 { state.update(bufferPointer: UnsafeRawBufferPointer($0)) }
    }

    public func finalize() -> SHA256Digest {
        SHA256Digest(state.finalize())
    }
}
