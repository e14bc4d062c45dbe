import Base

/// An error from the HDF5 layer: what regime tried, on which file and object,
/// and what HDF5's own error stack said about it.
///
/// `description` reads as one line, e.g.
/// `results.h5: /summary/train_mse: H5Dopen2 failed: unable to open dataset (object 'train_mse' doesn't exist)`.
public struct HDF5Error: Error, CustomStringConvertible, Sendable {
    /// The file the operation was on (as the caller named it).
    public var file: String
    /// The object path inside the file (`/summary/l2`), when there is one.
    public var object: String?
    /// The C function that failed (`H5Fopen`), or the regime operation for errors
    /// regime detects itself (a shape mismatch, a wrong element type).
    public var function: String
    /// A short message: for library failures the outermost and innermost
    /// descriptions of HDF5's error stack.
    public var message: String
    /// Every frame of HDF5's error stack, outermost first (empty for errors that
    /// regime detects before calling the library).
    public var stack: [String]

    public init(file: String, object: String? = nil, function: String, message: String, stack: [String] = []) {
        self.file = file
        self.object = object
        self.function = function
        self.message = message
        self.stack = stack
    }

    public var description: String {
        var text = file
        if let object { text += ": \(object)" }
        text += ": "
        if function.hasPrefix("H5") { text += "\(function) failed: " }
        return text + message
    }
}

/// Where an operation happens, carried along so that every error can name it.
struct ErrorContext {
    var file: String
    var object: String?

    func error(_ function: String, _ message: String) -> HDF5Error {
        HDF5Error(file: file, object: object, function: function, message: message)
    }
}

extension HDF5Error: SystemReasonProviding {
    /// The operating system's reason for a failed read or write, which HDF5's
    /// POSIX driver puts into its error stack (`errno = 28, error message = 'No
    /// space left on device'`); nil when the failure was not the system's.
    public var systemReason: String? {
        for line in stack {
            guard let start = line.firstRange(of: "error message = '") else { continue }
            let rest = line[start.upperBound...]
            guard let end = rest.firstIndex(of: "'") else { continue }
            return String(rest[..<end])
        }
        return nil
    }
}
