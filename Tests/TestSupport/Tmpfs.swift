import Foundation

/// A small tmpfs mounted for one test, to make a real file system run out of
/// space or refuse writes (the tests run as root). Unmounted when the body
/// returns or throws.
public enum Tmpfs {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Mounts a tmpfs of `kilobytes` at a fresh directory, runs `body` with its
    /// path, and unmounts it — on every path out, a failed assertion included.
    public static func with<R>(kilobytes: Int, _ body: (String) throws -> R) throws -> R {
        let directory = try TemporaryDirectory("tmpfs")
        let mountPoint = directory.file("mount")
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
        let mounted = try Subprocess.run("/bin/mount", ["-t", "tmpfs", "-o", "size=\(kilobytes)k,mode=0755", "tmpfs", mountPoint])
        guard mounted.status == 0 else {
            throw Failure(description: "cannot mount a tmpfs at \(mountPoint) (the tests need root): \(mounted.stderr)")
        }
        defer { unmount(mountPoint) }
        return try body(mountPoint)
    }

    /// Remounts a tmpfs from `with` read-only (or back to read-write).
    public static func setReadOnly(_ mountPoint: String, _ readOnly: Bool) throws {
        let result = try Subprocess.run("/bin/mount", ["-o", "remount,\(readOnly ? "ro" : "rw")", mountPoint])
        guard result.status == 0 else { throw Failure(description: "cannot remount \(mountPoint): \(result.stderr)") }
    }

    /// Unmounts, retrying briefly while a child still holds files there; a lazy
    /// unmount as the last resort so nothing is left mounted.
    static func unmount(_ mountPoint: String) {
        for _ in 0..<50 {
            if (try? Subprocess.run("/bin/umount", [mountPoint]))?.status == 0 { return }
            Thread.sleep(forTimeInterval: 0.1)
        }
        _ = try? Subprocess.run("/bin/umount", ["-l", mountPoint])
    }
}
