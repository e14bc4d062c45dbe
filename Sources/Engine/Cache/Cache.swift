import Base
import Foundation
import HDF5
import Operations

/// The content-addressed store of finished work, `.regime/` beside the
/// pipeline by default:
///
///     format                    "regime cache 2": the layout below
///     lock                      flock: one plain run at a time (shard runs share)
///     objects/ab/<key>.h5       a data or reference instance's artifact
///     batches/ab/<key>.h5       a fit batch: every point it trained, written at once,
///                               named by the keys of all its points
///     outputs/<digest>          what a write/export last produced: key, size, mtime, path
///     state/<stage>.json        the key parts of each instance's last run (for --dry-run's reasons)
///     inputs/<digest>           an input file's SHA-256 with the stat it was taken at
///     shards/<plan>-<i>-of-<n>  a shard's completion record
///     tmp/                      files being written; renamed into place when complete
///
/// Every entry is sealed: its bytes are followed by a SHA-256 of them
/// (`Seal`), written at commit and checked at every read. An entry that fails
/// the check — truncated, garbled, one bit flipped — is never used: it is
/// deleted, reported, and recomputed (`CorruptCacheEntry`). Every entry
/// appears by rename of a complete, fsynced temporary, so a run killed at any
/// moment leaves only whole entries, and temporaries that the next run removes.
public final class Cache: Sendable {
    public let root: String
    /// A cache that is only looked at (`--dry-run`): corrupt entries are
    /// reported but not deleted.
    public let readOnly: Bool
    /// Entries found corrupt (and deleted) by this process, in order.
    private let corrupt = Locked<[CorruptCacheEntry]>([])

    public init(root: String, readOnly: Bool = false) {
        self.root = root
        self.readOnly = readOnly
    }

    /// The layout version this regime reads and writes.
    static let format = "regime cache 2\n"

    func path(_ relative: String) -> String { root + "/" + relative }

    func objectPath(_ key: String) -> String { path("objects/\(key.prefix(2))/\(key).h5") }
    /// The marker of a data instance that ran and that no stage reads.
    func markerPath(_ key: String) -> String { path("objects/\(key.prefix(2))/\(key).ran") }
    func batchPath(_ key: String) -> String { path("batches/\(key.prefix(2))/\(key).h5") }
    func outputRecordPath(_ output: String) -> String { path("outputs/\(NameDigest.of(output))") }
    func statePath(_ stage: String) -> String { path("state/\(stage).json") }
    func inputRecordPath(_ file: String) -> String { path("inputs/\(NameDigest.of(file))") }
    var temporaryDirectory: String { path("tmp") }

    public var exists: Bool { FileManager.default.fileExists(atPath: root) }

    /// The entry's path relative to the cache, for messages.
    func relative(_ entry: String) -> String {
        entry.hasPrefix(root + "/") ? String(entry.dropFirst(root.count + 1)) : entry
    }

    // MARK: Entries

    /// Commits `bytes` as the entry at `path`, sealed, durably.
    func writeEntry(_ bytes: [UInt8], to path: String) throws(SystemError) {
        try DurableFile.write(Seal.seal(bytes), to: path, temporaryDirectory: temporaryDirectory)
    }

    /// The bytes of the entry at `path`; nil when there is none. A corrupt
    /// entry is deleted, remembered (`corruptEntries`) and thrown as
    /// `CorruptCacheEntry`; a file the system cannot read is a `SystemError`.
    func readEntry(_ path: String, what: String) throws -> [UInt8]? {
        let sealed: [UInt8]
        do {
            sealed = try DurableFile.readAll(path)
        } catch where error.code == ENOENT {
            return nil
        }
        guard let bytes = Seal.unseal(sealed) else {
            throw discard(path, what: what, reason: sealed.count < Seal.trailerSize ? "truncated" : "checksum mismatch")
        }
        return bytes
    }

    /// Writes an HDF5 entry built in memory by `body`.
    func writeHDF5Entry(to path: String, _ body: (File) throws -> Void) throws {
        let bytes = try File.image(name: relative(path), body)
        try writeEntry(bytes, to: path)
    }

    /// Reads an HDF5 entry through `body`; nil when there is none. An entry that
    /// passes its checksum but does not hold what `body` expects (written by a
    /// different regime, say) is treated as corrupt too: the cache is never a
    /// dead end.
    func readHDF5Entry<R>(_ path: String, what: String, _ body: (File) throws -> R) throws -> R? {
        guard let bytes = try readEntry(path, what: what) else { return nil }
        do {
            let file = try File.open(image: bytes, name: relative(path))
            defer { try? file.close() }
            return try body(file)
        } catch {
            throw discard(path, what: what, reason: "unreadable content: \(error)")
        }
    }

    /// Deletes a corrupt entry and returns the error that reports it.
    func discard(_ path: String, what: String, reason: String) -> CorruptCacheEntry {
        if !readOnly { unlink(path) }
        let entry = CorruptCacheEntry(entry: relative(path), what: what, reason: reason)
        corrupt.withLock { $0.append(entry) }
        return entry
    }

    /// Every corrupt entry found (and deleted) so far.
    var corruptEntries: [CorruptCacheEntry] { corrupt.withLock { $0 } }

    /// Writes a small text entry.
    func write(_ text: String, to target: String) throws(SystemError) {
        try writeEntry(Array(text.utf8), to: target)
    }

    /// Reads a small text entry (nil when absent; corrupt ones are discarded and nil).
    func readText(_ path: String, what: String) -> String? {
        guard let bytes = try? readEntry(path, what: what) else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }

    func hasObject(_ key: String) -> Bool { FileManager.default.fileExists(atPath: objectPath(key)) }
    func hasMarker(_ key: String) -> Bool { FileManager.default.fileExists(atPath: markerPath(key)) }

    /// Records that a data instance no stage reads has run: an empty sealed entry.
    func saveMarker(_ key: String) throws(SystemError) { try writeEntry([], to: markerPath(key)) }

    // MARK: Lock and layout

    /// An acquired lock, released by `release()` or when the process exits.
    final class Lock {
        let descriptor: Int32
        init(descriptor: Int32) { self.descriptor = descriptor }
        func release() {
            flock(descriptor, LOCK_UN)
            close(descriptor)
        }
    }

    /// Takes the cache lock without waiting: exclusive for plain runs, shared for
    /// shard runs (shards write disjoint batches; shared data objects are
    /// written by atomic rename of identical content). Throws with the holder's
    /// pid when another run has it. Then brings the layout up to date and
    /// removes temporaries of killed runs.
    func lock(shared: Bool) throws -> (lock: Lock, notes: [String]) {
        try DurableFile.makeDirectory(root, for: root)
        let lockPath = path("lock")
        let descriptor = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw SystemError.current(path: lockPath, operation: "cannot open the cache lock") }
        if flock(descriptor, (shared ? LOCK_SH : LOCK_EX) | LOCK_NB) != 0 {
            let holder = (try? String(contentsOfFile: lockPath, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
            close(descriptor)
            throw CacheError(message: "another regime run is using the cache \(root)"
                             + (holder.map { $0.isEmpty ? "" : " (\($0))" } ?? "") + "; wait for it, or give this run its own --cache")
        }
        if !shared {
            let text = "pid \(getpid()), since \(ISO8601DateFormatter().string(from: Date()))\n"
            ftruncate(descriptor, 0)
            _ = text.withCString { Glibc.write(descriptor, $0, strlen($0)) }
        }
        let lock = Lock(descriptor: descriptor)
        do {
            var notes = try upgradeLayout(exclusive: !shared)
            let removed = DurableFile.removeStaleTemporaries(in: temporaryDirectory)
            if removed > 0 {
                notes.append("removed \(removed) temporary file\(removed == 1 ? "" : "s") left in the cache by killed runs")
            }
            return (lock, notes)
        } catch {
            lock.release()
            throw error
        }
    }

    /// Writes the layout marker into a new cache; clears a cache of an earlier
    /// layout (under the exclusive lock only: shard runs refuse it).
    private func upgradeLayout(exclusive: Bool) throws -> [String] {
        let marker = path("format")
        let current = try? String(contentsOfFile: marker, encoding: .utf8)
        if current == Cache.format { return [] }
        let kinds = ["objects", "batches", "points", "outputs", "state", "shards", "inputs", "tmp"]  // points: regime cache 1
        let old = kinds.filter { FileManager.default.fileExists(atPath: path($0)) }
        var notes: [String] = []
        if !old.isEmpty {
            guard exclusive else {
                throw CacheError(message: "the cache \(root) was written by an earlier regime; run once without --shard to renew it")
            }
            for kind in old { try? FileManager.default.removeItem(atPath: path(kind)) }
            notes.append("the cache \(root) was written by an earlier regime; it was cleared and everything is recomputed")
        }
        try DurableFile.write(Cache.format, to: marker)
        return notes
    }
}

/// A cache entry that failed its checksum or could not be read as what it
/// should hold. It has been deleted; what it held is recomputed.
public struct CorruptCacheEntry: Error, CustomStringConvertible, Sendable, Equatable {
    /// The entry's path inside the cache.
    public var entry: String
    /// What it held, in words ("fit batch 3 of stage fit").
    public var what: String
    public var reason: String

    public var description: String { "cache entry \(entry) (\(what)) was corrupt (\(reason)); discarded, recomputing" }
}

/// A problem with the cache directory itself.
public struct CacheError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var description: String { message }
}

/// The trailer that makes a cache entry self-checking: the entry's bytes, then
/// 16 bytes of magic and the SHA-256 of the bytes before the trailer.
enum Seal {
    static let magic = Array("regime-sealed-1\n".utf8)
    static let trailerSize = 48

    static func seal(_ bytes: [UInt8]) -> [UInt8] {
        var sealed = bytes
        sealed.reserveCapacity(bytes.count + trailerSize)
        sealed += magic
        sealed += SHA256Digest(hashing: bytes).bytes
        return sealed
    }

    /// The bytes inside a sealed entry, or nil when it is not whole.
    static func unseal(_ sealed: [UInt8]) -> [UInt8]? {
        guard sealed.count >= trailerSize else { return nil }
        let end = sealed.count - trailerSize
        guard Array(sealed[end..<(end + 16)]) == magic else { return nil }
        let payload = Array(sealed[..<end])
        guard SHA256Digest(hashing: payload).bytes == Array(sealed[(end + 16)...]) else { return nil }
        return payload
    }
}

/// A short digest of a text, for file names.
enum NameDigest {
    static func of(_ text: String) -> String {
        // FNV-1a, 64 bits: a name, not a security boundary.
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return String(hash, radix: 16)
    }
}
