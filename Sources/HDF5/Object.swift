import CHDF5

/// An open HDF5 object — a file, group or dataset — that owns one identifier.
///
/// The identifier is closed by `close()`, which reports errors (HDF5 flushes on
/// close), or, as a safety net, when the object is deinitialized. Objects are not
/// thread-safe: regime computes in parallel and writes from one place.
public class Object {
    package let id: hid_t
    /// The file this object lives in, as the caller named it.
    public let filePath: String
    /// The object's absolute path inside the file (`/` for a file).
    public let path: String
    var isOpen = true

    init(id: hid_t, filePath: String, path: String) {
        self.id = id
        self.filePath = filePath
        self.path = path
    }

    deinit {
        if isOpen {
            Library.lock.lock()
            _ = closeIdentifier()
            Library.lock.unlock()
        }
    }

    /// Closes the identifier; errors HDF5 reports while closing (a failed flush)
    /// are thrown. Closing twice is a no-op.
    public func close() throws {
        guard isOpen else { return }
        isOpen = false
        try Library.call(closeFunctionName, context) { closeIdentifier() }
    }

    /// The C close call for this kind of object.
    func closeIdentifier() -> herr_t { fatalError("subclass responsibility") }
    var closeFunctionName: String { fatalError("subclass responsibility") }

    var context: ErrorContext { ErrorContext(file: filePath, object: path) }

    /// The absolute path of a child or descendant named by a relative or absolute path.
    func childPath(_ name: String) -> String {
        if name.hasPrefix("/") { return name }
        return path == "/" ? "/" + name : path + "/" + name
    }

    /// Error context for an operation on a child object.
    func context(for name: String) -> ErrorContext {
        ErrorContext(file: filePath, object: childPath(name))
    }
}
