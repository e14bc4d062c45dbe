import CHDF5
import Foundation

/// Process-wide HDF5 state: one-time initialization, the lock that serializes
/// every call, and the turning of a failed C call into an `HDF5Error`.
///
/// Debian's libhdf5 is built thread-safe behind one global mutex; other builds are
/// not thread-safe at all. regime serializes every call through `lock` so that
/// both behave the same, and so that a failed call and the error stack it leaves
/// are read together.
enum Library {
    /// Read and written only under `lock` (the HDF5 C library's own state is
    /// process-wide, so this flag is too).
    nonisolated(unsafe) private static var initialized = false
    static let lock = NSRecursiveLock()

    /// Opens the library once and turns off its automatic printing of error
    /// stacks to stderr: regime reports errors itself, as Swift errors.
    ///
    /// HDF5's own exit handler is switched off (`H5dont_atexit`): regime closes
    /// every file it writes explicitly and checks that close, and a file whose
    /// close failed (a full disk) is a temporary that is deleted anyway. Left on,
    /// the handler retries that failed close at exit, forever ("infinite loop
    /// closing library") or into a crash.
    static func initialize() {
        lock.lock()
        defer { lock.unlock() }
        if initialized { return }
        _ = H5dont_atexit()
        _ = H5open()
        _ = H5Eset_auto2(regime_H5E_DEFAULT(), nil, nil)
        initialized = true
    }

    /// Turns off automatic error printing for the calling thread. In thread-safe
    /// builds (Debian's) the setting belongs to each thread's default error stack,
    /// so it is made before every call rather than once per process.
    @inline(__always)
    static func silenceCurrentThread() {
        _ = H5Eset_auto2(regime_H5E_DEFAULT(), nil, nil)
    }

    /// Runs one C call under the lock. A negative status (the convention of every
    /// HDF5 function regime uses: `herr_t`, `hid_t`, `htri_t`, `ssize_t`) becomes an
    /// `HDF5Error` carrying the function's name and the error stack's text.
    @discardableResult
    static func call<T: BinaryInteger>(_ function: String, _ context: ErrorContext,
                                       _ body: () -> T) throws(HDF5Error) -> T {
        initialize()
        lock.lock()
        defer { lock.unlock() }
        silenceCurrentThread()
        let status = body()
        if status < 0 {
            let stack = takeErrorStack()
            throw HDF5Error(file: context.file, object: context.object, function: function,
                            message: summarize(stack), stack: stack)
        }
        return status
    }

    /// Collects the current thread's error stack (outermost frame, the API call,
    /// first) and clears it.
    private static func takeErrorStack() -> [String] {
        final class Frames { var lines: [String] = [] }
        let frames = Frames()
        let unmanaged = Unmanaged.passRetained(frames)
        defer { unmanaged.release() }
        _ = H5Ewalk2(regime_H5E_DEFAULT(), H5E_WALK_DOWNWARD, { _, frame, client in
            guard let frame, let client else { return 0 }
            let frames = Unmanaged<Frames>.fromOpaque(client).takeUnretainedValue()
            let description = frame.pointee.desc.map { String(cString: $0) } ?? ""
            var minor = [CChar](repeating: 0, count: 256)
            _ = H5Eget_msg(frame.pointee.min_num, nil, &minor, minor.count)
            let minorText = String(decoding: minor.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            let function = frame.pointee.func_name.map { String(cString: $0) } ?? "?"
            frames.lines.append("\(function): \(description)" + (minorText.isEmpty ? "" : " [\(minorText)]"))
            return 0
        }, unmanaged.toOpaque())
        _ = H5Eclear2(regime_H5E_DEFAULT())
        return frames.lines
    }

    /// The outermost description (what the API call was doing) and the innermost
    /// one (the actual cause), without HDF5's internal function names.
    private static func summarize(_ stack: [String]) -> String {
        func text(_ line: String) -> String {
            guard let colon = line.range(of: ": ") else { return line }
            var rest = String(line[colon.upperBound...])
            if let bracket = rest.range(of: " [", options: .backwards) { rest = String(rest[..<bracket.lowerBound]) }
            return rest
        }
        guard let outer = stack.first.map(text) else { return "unknown HDF5 error" }
        guard let inner = stack.last.map(text), inner != outer else { return outer }
        return "\(outer) (\(inner))"
    }

    /// The version of the HDF5 library regime is linked with, e.g. "1.10.8".
    static var version: String {
        initialize()
        var major: UInt32 = 0, minor: UInt32 = 0, release: UInt32 = 0
        _ = H5get_libversion(&major, &minor, &release)
        return "\(major).\(minor).\(release)"
    }
}

/// Facts about the linked HDF5 library, for provenance.
public enum HDF5Library {
    /// The version, e.g. "1.10.8".
    public static var version: String { Library.version }
}
