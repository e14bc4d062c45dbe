#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// Files replaced whole or not at all, and durably: every file regime writes
/// (results, exports, plots, reports, cache entries) goes through here.
///
/// `replace` writes a temporary file in the target's directory (or a given
/// directory on the same file system), fsyncs it, lets the caller verify it,
/// renames it onto the target and fsyncs the directory. On any failure the
/// temporary is removed, the previous target is left as it was, and the error
/// names the target and the operating system's reason — never the temporary.
///
/// Temporaries are named `.<target>.regime-tmp-<host>-<pid>-<n>`, so a later
/// run can tell those of a process that was killed (same host, pid gone) from
/// those of a process still writing, and remove them (`removeStaleTemporaries`).
///
/// Not guaranteed: atomicity across file systems (the temporary directory must
/// be on the target's), and durability on file systems whose fsync lies.
public enum DurableFile {
    /// Writes `target` through `write`, which receives the temporary path to
    /// create. `verify` (optional) reads the finished temporary back before it
    /// replaces the target. Returns only when the target is complete on disk.
    public static func replace(_ target: String, temporaryDirectory: String? = nil,
                               write: (String) throws -> Void,
                               verify: ((String) throws -> Void)? = nil) throws(SystemError) {
        let directory = parent(of: target)
        try makeDirectory(temporaryDirectory ?? directory, for: target)
        if temporaryDirectory != nil { try makeDirectory(directory, for: target) }
        let temporary = temporaryPath(for: target, in: temporaryDirectory ?? directory)
        do throws(SystemError) {
            do {
                try write(temporary)
            } catch {
                throw translate(error, temporary: temporary, target: target, operation: "cannot write")
            }
            try sync(temporary, reportingAs: target)
            if let verify {
                do {
                    try verify(temporary)
                } catch {
                    throw translate(error, temporary: temporary, target: target,
                                    operation: "the written file does not read back")
                }
            }
            guard rename(temporary, target) == 0 else {
                throw SystemError.current(path: target, operation: "cannot move the finished file into place")
            }
        } catch {
            unlink(temporary)
            throw error
        }
        syncDirectory(directory)
    }

    /// Writes `bytes` to `target` whole, durably.
    public static func write(_ bytes: [UInt8], to target: String, temporaryDirectory: String? = nil) throws(SystemError) {
        try replace(target, temporaryDirectory: temporaryDirectory, write: { temporary in
            try writeNew(temporary, bytes, reportingAs: target)
        }, verify: { temporary in
            // What is on disk is what was meant: same length, same bytes.
            let back = try readAll(temporary, reportingAs: target)
            guard back == bytes else {
                throw SystemError(path: target, operation: "the written file does not read back",
                                  reason: "\(back.count) bytes read, \(bytes.count) written")
            }
        })
    }

    /// Writes UTF-8 text to `target` whole, durably.
    public static func write(_ text: String, to target: String) throws(SystemError) {
        try write(Array(text.utf8), to: target)
    }

    /// Reads a whole file.
    public static func readAll(_ path: String, reportingAs name: String? = nil) throws(SystemError) -> [UInt8] {
        let shown = name ?? path
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw SystemError.current(path: shown, operation: "cannot open") }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw SystemError.current(path: shown, operation: "cannot read") }
        guard status.st_mode & S_IFMT == S_IFREG else {
            throw SystemError(path: shown, operation: "cannot read", reason: "not a regular file")
        }
        // The size fstat reports, then whatever the file grew by since, read
        // into a small buffer: a file read whole is not held twice.
        var bytes = [UInt8](repeating: 0, count: Int(status.st_size))
        var filled = 0
        var more: [UInt8] = []
        while true {
            let count: Int
            if filled < bytes.count {
                count = bytes.withUnsafeMutableBytes { buffer in
                    Glibc.read(descriptor, buffer.baseAddress! + filled, buffer.count - filled)
                }
            } else {
                if more.isEmpty { more = [UInt8](repeating: 0, count: 65536) }
                count = more.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress!, $0.count) }
                if count > 0 { bytes.append(contentsOf: more[..<count]) }
            }
            if count < 0 {
                if errno == EINTR { continue }
                throw SystemError.current(path: shown, operation: "cannot read")
            }
            if count == 0 { break }
            filled += count
        }
        bytes.removeLast(bytes.count - filled)
        return bytes
    }

    // MARK: Temporaries

    /// The marker every temporary's name carries.
    public static let marker = ".regime-tmp-"

    /// Removes temporaries that killed regime processes left in `directory`:
    /// those of this host whose process is gone, and those of other hosts
    /// (a shared cache on a cluster) older than a day. Returns how many.
    @discardableResult
    public static func removeStaleTemporaries(in directory: String) -> Int {
        guard let stream = opendir(directory) else { return 0 }
        defer { closedir(stream) }
        let host = hostName
        var removed = 0
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard let range = name.firstRange(of: marker) else { continue }
            let parts = name[range.upperBound...].split(separator: "-")
            guard parts.count >= 3, let pid = Int32(parts[parts.count - 2]) else { continue }
            let owner = parts[..<(parts.count - 2)].joined(separator: "-")
            let path = directory + "/" + name
            var stale = false
            if owner == host {
                stale = kill(pid, 0) != 0 && errno == ESRCH
            } else {
                var status = stat()
                stale = stat(path, &status) == 0 && Double(time(nil)) - Double(status.st_mtim.tv_sec) > 86_400
            }
            if stale, unlink(path) == 0 { removed += 1 }
        }
        return removed
    }

    /// This machine's host name, as temporaries record it ('-' and '/' kept out).
    public static let hostName: String = {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "host" }
        let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let cleaned = String(name.map { $0 == "-" || $0 == "/" ? "_" : $0 })
        return cleaned.isEmpty ? "host" : cleaned
    }()

    private static let counter = Atomic<Int>(0)

    static func temporaryPath(for target: String, in directory: String) -> String {
        let number = counter.add(1, ordering: .relaxed).newValue
        let base = target.split(separator: "/").last.map(String.init) ?? "file"
        return directory + "/." + base + marker + hostName + "-\(getpid())-\(number)"
    }

    // MARK: Pieces

    /// The directory part of a path ("." for a bare name).
    public static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// mkdir -p, with the error naming the target it was for.
    public static func makeDirectory(_ directory: String, for target: String) throws(SystemError) {
        var status = stat()
        if stat(directory, &status) == 0 {
            guard status.st_mode & S_IFMT == S_IFDIR else {
                throw SystemError(path: target, operation: "cannot create it", reason: "\(directory) is not a directory")
            }
            return
        }
        let above = parent(of: directory)
        if above != directory { try makeDirectory(above, for: target) }
        if mkdir(directory, 0o755) != 0 && errno != EEXIST {
            let code = errno
            throw SystemError(path: target, operation: "cannot create the directory \(directory)",
                              reason: SystemError.reason(code), code: code)
        }
    }

    /// Creates `path` (which must not exist) holding `bytes`.
    static func writeNew(_ path: String, _ bytes: [UInt8], reportingAs target: String) throws(SystemError) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw SystemError.current(path: target, operation: "cannot write") }
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { buffer in
                Glibc.write(descriptor, buffer.baseAddress! + written, buffer.count - written)
            }
            if count < 0 {
                if errno == EINTR { continue }
                let error = SystemError.current(path: target, operation: "cannot write")
                close(descriptor)
                throw error
            }
            written += count
        }
        guard close(descriptor) == 0 else { throw SystemError.current(path: target, operation: "cannot write") }
    }

    /// fsync of a finished file; errors (a delayed ENOSPC or EIO) name the target.
    public static func sync(_ path: String, reportingAs target: String) throws(SystemError) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw SystemError.current(path: target, operation: "cannot write") }
        if fsync(descriptor) != 0 {
            let error = SystemError.current(path: target, operation: "cannot write")
            close(descriptor)
            throw error
        }
        guard close(descriptor) == 0 else { throw SystemError.current(path: target, operation: "cannot write") }
    }

    /// fsync of a directory, so that a rename in it survives a crash. File
    /// systems that cannot sync directories are not an error.
    public static func syncDirectory(_ directory: String) {
        let descriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        _ = fsync(descriptor)
        close(descriptor)
    }

    /// An error from writing a temporary, as an error about the target: the
    /// OS reason when the error knows one, else its text with the temporary's
    /// name replaced by the target's.
    static func translate(_ error: any Error, temporary: String, target: String, operation: String) -> SystemError {
        if var system = error as? SystemError {
            if system.path == temporary { system.path = target }
            return system
        }
        if let reason = (error as? any SystemReasonProviding)?.systemReason {
            return SystemError(path: target, operation: operation, reason: reason)
        }
        let text = String(describing: error).replacing(temporary, with: target)
        return SystemError(path: target, operation: operation, reason: text)
    }
}
