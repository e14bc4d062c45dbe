#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A failed system call on a file the user knows about: which file, what regime
/// was doing, and the operating system's reason (`No space left on device`).
///
/// `description` is one line: `results/r.h5: cannot write: No space left on device`.
public struct SystemError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The file as the user named it (never a temporary regime made).
    public var path: String
    /// What failed, as a verb phrase: "cannot write", "cannot create the directory".
    public var operation: String
    /// The operating system's reason, or another one-line cause.
    public var reason: String
    /// The errno value, when the cause was one.
    public var code: Int32?

    public init(path: String, operation: String, reason: String, code: Int32? = nil) {
        self.path = path
        self.operation = operation
        self.reason = reason
        self.code = code
    }

    /// The error for the current `errno`.
    public static func current(path: String, operation: String) -> SystemError {
        let code = errno
        return SystemError(path: path, operation: operation, reason: SystemError.reason(code), code: code)
    }

    /// strerror's text for an errno value.
    public static func reason(_ code: Int32) -> String {
        String(cString: strerror(code))
    }

    public var description: String { "\(path): \(operation): \(reason)" }
}

/// An error that knows the operating system's reason for it, when it had one
/// (HDF5's error stack carries the errno of a failed write, for example).
public protocol SystemReasonProviding {
    /// The OS reason in words (`No space left on device`), or nil.
    var systemReason: String? { get }
}
