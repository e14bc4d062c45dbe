import Base
import Foundation
import Operations
import Pipeline

/// The digests of the files a pipeline reads, for content keys: a chunked SHA-256 of the
/// bytes, with a stat fast path. The cache remembers each file's digest with
/// the stat it was taken at (size, modification and change times to the
/// nanosecond, inode, device); while all of them match, the file is not read
/// again. Any change — an edit, a copy over it, a touch — rehashes it.
///
/// The stamp a digest was taken at is kept for the run: `load` checks that the
/// file still has it after reading, so the bytes it read are the bytes the key
/// names (`verifyUnchanged`).
public final class InputFiles: InputFileDigests, InputVerifying, Sendable {
    private let cache: Cache
    private let known = Locked<[String: (stamp: FileStamp, digest: SHA256Digest, fresh: Bool)]>([:])

    /// Digests remembered in `cache`; nothing is written to it until `record()`.
    public init(cache: Cache) {
        self.cache = cache
    }

    /// Writes the digests this process computed into `cache` (a run does,
    /// once it holds the lock; --dry-run does not).
    func record(into cache: Cache) {
        let fresh = known.withLock { known in
            known.filter(\.value.fresh).map { ($0.key, $0.value.stamp, $0.value.digest) }
        }
        for (path, stamp, digest) in fresh {
            try? cache.write(Record(path: path, stamp: stamp, digest: digest).text, to: cache.inputRecordPath(path))
        }
    }

    public func digest(of path: String) throws -> SHA256Digest {
        let stamp = try FileStamp.of(path)
        if let memo = known.withLock({ $0[path] }), memo.stamp == stamp { return memo.digest }
        let recordPath = cache.inputRecordPath(path)
        if let text = cache.readText(recordPath, what: "the digest of \(path)"), let record = Record(text: text),
           record.path == path, record.stamp == stamp {
            known.withLock { $0[path] = (stamp, record.digest, false) }
            return record.digest
        }
        // Hash, and make sure the file did not change while it was read.
        for _ in 0..<3 {
            let before = try FileStamp.of(path)
            let digest = try SHA256Digest.ofFileInChunks(path)
            let after = try FileStamp.of(path)
            guard before == after else { continue }
            known.withLock { $0[path] = (after, digest, true) }
            return digest
        }
        throw SystemError(path: path, operation: "cannot take its digest", reason: "it keeps changing while regime reads it")
    }

    /// Throws when `path` no longer has the stamp its digest was taken at:
    /// what was just read from it may not be what the content key names.
    public func verifyUnchanged(_ path: String) throws {
        guard let memo = known.withLock({ $0[path] }) else { return }
        guard (try? FileStamp.of(path)) == memo.stamp else {
            throw SystemError(path: path, operation: "changed while regime was reading it",
                              reason: "run again to use the new contents")
        }
    }

    /// One remembered digest: `path`, stamp, digest, one per line.
    struct Record {
        var path: String
        var stamp: FileStamp
        var digest: SHA256Digest

        var text: String { "\(path)\n\(stamp.text)\n\(digest.hex)\n" }

        init(path: String, stamp: FileStamp, digest: SHA256Digest) {
            self.path = path
            self.stamp = stamp
            self.digest = digest
        }

        init?(text: String) {
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            guard lines.count >= 3, let stamp = FileStamp(text: lines[1]), let digest = SHA256Digest(hex: lines[2]) else { return nil }
            self.init(path: String(lines[0]), stamp: stamp, digest: digest)
        }
    }
}

/// What stat says about a file that changes whenever its content does.
public struct FileStamp: Equatable, Sendable {
    var size: Int64
    var modified: (Int, Int)
    var changed: (Int, Int)
    var inode: UInt64
    var device: UInt64

    static func of(_ path: String) throws(SystemError) -> FileStamp {
        var status = stat()
        guard stat(path, &status) == 0 else { throw SystemError.current(path: path, operation: "cannot read") }
        guard status.st_mode & S_IFMT == S_IFREG else {
            throw SystemError(path: path, operation: "cannot read", reason: "not a regular file")
        }
        return FileStamp(size: Int64(status.st_size),
                         modified: (status.st_mtim.tv_sec, status.st_mtim.tv_nsec),
                         changed: (status.st_ctim.tv_sec, status.st_ctim.tv_nsec),
                         inode: UInt64(status.st_ino), device: UInt64(status.st_dev))
    }

    var text: String { "\(size) \(modified.0).\(modified.1) \(changed.0).\(changed.1) \(inode) \(device)" }

    init(size: Int64, modified: (Int, Int), changed: (Int, Int), inode: UInt64, device: UInt64) {
        self.size = size
        self.modified = modified
        self.changed = changed
        self.inode = inode
        self.device = device
    }

    init?(text: some StringProtocol) {
        let fields = text.split(separator: " ")
        func pair(_ field: some StringProtocol) -> (Int, Int)? {
            let parts = field.split(separator: ".")
            guard parts.count == 2, let a = Int(parts[0]), let b = Int(parts[1]) else { return nil }
            return (a, b)
        }
        guard fields.count == 5, let size = Int64(fields[0]), let modified = pair(fields[1]), let changed = pair(fields[2]),
              let inode = UInt64(fields[3]), let device = UInt64(fields[4]) else { return nil }
        self.init(size: size, modified: modified, changed: changed, inode: inode, device: device)
    }

    public static func == (a: FileStamp, b: FileStamp) -> Bool {
        a.size == b.size && a.modified == b.modified && a.changed == b.changed && a.inode == b.inode && a.device == b.device
    }
}
