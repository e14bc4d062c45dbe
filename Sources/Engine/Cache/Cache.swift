import Foundation

/// The content-addressed store of finished work, `.regime/` beside the
/// pipeline by default:
///
///     lock                      flock: one plain run at a time (shard runs share)
///     objects/ab/<key>.h5       a data or reference instance's artifact
///     batches/ab/<key>.h5       a fit batch: every point it trained, written at once
///     points/ab/<key>           a fit point's pointer: "<batch key> <row>"
///     outputs/<digest>          what a write/export last produced: key, size, mtime, path
///     state/<stage>.json        the key parts of each instance's last run (for --dry-run's reasons)
///     shards/<plan>-<i>-of-<n>  a shard's completion record
///     tmp/                      files being written; renamed into place when complete
///
/// Every file appears by rename of a complete temporary file, so a run killed
/// at any moment leaves only whole entries (and temporaries, removed by the
/// next run that holds the lock).
public final class Cache: @unchecked Sendable {
    public let root: String

    public init(root: String) {
        self.root = root
    }

    func path(_ relative: String) -> String { root + "/" + relative }

    func objectPath(_ key: String) -> String { path("objects/\(key.prefix(2))/\(key).h5") }
    func batchPath(_ key: String) -> String { path("batches/\(key.prefix(2))/\(key).h5") }
    func pointerPath(_ key: String) -> String { path("points/\(key.prefix(2))/\(key)") }
    func outputRecordPath(_ output: String) -> String { path("outputs/\(ContentDigest.of(output))") }
    func statePath(_ stage: String) -> String { path("state/\(stage).json") }

    public var exists: Bool { FileManager.default.fileExists(atPath: root) }

    func hasObject(_ key: String) -> Bool { FileManager.default.fileExists(atPath: objectPath(key)) }

    /// Where a fit point's result is: its batch object and row.
    func pointer(_ key: String) -> (batch: String, row: Int)? {
        guard let text = try? String(contentsOfFile: pointerPath(key), encoding: .utf8) else { return nil }
        let parts = text.split(separator: " ")
        guard parts.count == 2, let row = Int(parts[1].trimmingCharacters(in: .whitespacesAndNewlines)) else { return nil }
        let batch = String(parts[0])
        guard FileManager.default.fileExists(atPath: batchPath(batch)) else { return nil }
        return (batch, row)
    }

    /// A fresh temporary path inside the cache (same file system as the targets).
    func temporaryPath(_ suffix: String = "") -> String {
        let directory = path("tmp")
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return directory + "/" + UUID().uuidString + suffix
    }

    /// Moves a complete temporary file into place (atomic on one file system).
    func commit(_ temporary: String, to target: String) throws {
        try FileManager.default.createDirectory(atPath: (target as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        guard rename(temporary, target) == 0 else {
            throw CacheError(message: "cannot move \(temporary) to \(target): \(String(cString: strerror(errno)))")
        }
    }

    /// Writes a small text file atomically.
    func write(_ text: String, to target: String) throws {
        let temporary = temporaryPath()
        guard FileManager.default.createFile(atPath: temporary, contents: Data(text.utf8)) else {
            throw CacheError(message: "cannot write \(temporary)")
        }
        try commit(temporary, to: target)
    }

    /// Removes temporaries left by killed runs (only while holding the lock exclusively).
    func removeTemporaries() {
        try? FileManager.default.removeItem(atPath: path("tmp"))
    }

    // MARK: Lock

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
    /// pid when another run has it.
    func lock(shared: Bool) throws -> Lock {
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let lockPath = path("lock")
        let descriptor = open(lockPath, O_RDWR | O_CREAT, 0o644)
        guard descriptor >= 0 else {
            throw CacheError(message: "cannot open \(lockPath): \(String(cString: strerror(errno)))")
        }
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
        return Lock(descriptor: descriptor)
    }
}

/// A problem with the cache directory itself.
public struct CacheError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var description: String { message }
}

/// A short digest of a text, for file names.
enum ContentDigest {
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
