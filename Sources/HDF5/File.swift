import CHDF5
import Foundation

/// How HDF5 locks files it opens (`H5Pset_file_locking`, HDF5 ≥ 1.10.7).
///
/// Network file systems such as NFS and some Lustre setups do not support the
/// locks HDF5 takes; `off` or `best-effort` let regime work there. When the
/// environment variable `HDF5_USE_FILE_LOCKING` is set (`FALSE`/`0`, `TRUE`/`1`,
/// `BEST_EFFORT`, as HDF5 reads it), it wins over this setting. regime reads the
/// variable itself at every open: libhdf5 reads it only once, when it
/// initializes, and then lets an explicit property win.
public enum FileLocking: String, Sendable, CaseIterable {
    /// The library's default (locking on, unless `HDF5_USE_FILE_LOCKING` says otherwise).
    case auto
    /// Lock, and fail when the file system cannot lock.
    case on
    /// Never lock.
    case off
    /// Lock where the file system supports it, carry on without where it does not.
    case bestEffort = "best-effort"
}

extension FileLocking {
    /// The mode `HDF5_USE_FILE_LOCKING` asks for, when it is set to a value HDF5
    /// understands.
    static func fromEnvironment(_ environment: [String: String]) -> FileLocking? {
        guard let value = environment["HDF5_USE_FILE_LOCKING"] else { return nil }
        switch value.uppercased() {
        case "FALSE", "0": return .off
        case "TRUE", "1": return .on
        case "BEST_EFFORT": return .bestEffort
        default: return nil
        }
    }
}

/// An open HDF5 file; also its root group.
public final class File: Container {
    public enum Mode: Sendable { case readOnly, readWrite }

    /// Creates a file, replacing any file at `path`.
    ///
    /// Closing it closes every object still open in it ("strong" close), so a
    /// failed flush shows at `close()` and nothing is left for HDF5 to write
    /// later. Prefer `withNew`, which flushes and closes on every path.
    /// `environment` is where `HDF5_USE_FILE_LOCKING` is looked up (the
    /// process's, unless a caller decides for it).
    public static func create(_ path: String, locking: FileLocking = .auto,
                              environment: [String: String] = ProcessInfo.processInfo.environment) throws -> File {
        let context = ErrorContext(file: path, object: nil)
        let fapl = try accessProperties(locking, environment, context)
        try Library.call("H5Pset_fclose_degree", context) { H5Pset_fclose_degree(fapl.id, H5F_CLOSE_STRONG) }
        return try create(path, fapl: fapl, context)
    }

    /// Creates a file at `path`, lets `body` fill it, then flushes and closes
    /// it, checking both: a write the disk could not take fails here, not at
    /// exit. When `body` throws, the file is closed anyway and its error wins.
    public static func withNew<R>(_ path: String, locking: FileLocking = .auto, _ body: (File) throws -> R) throws -> R {
        let file = try create(path, locking: locking)
        return try file.finishing(body)
    }

    /// A new file held in memory only (HDF5's core driver, no backing store):
    /// `image()` gives its bytes, which the caller writes where and how it
    /// wants. `name` is what errors call it.
    public static func createInMemory(name: String) throws -> File {
        let context = ErrorContext(file: name, object: nil)
        let fapl = try Handle.propertyList(regime_H5P_FILE_ACCESS(), context)
        try Library.call("H5Pset_fapl_core", context) { H5Pset_fapl_core(fapl.id, 1 << 20, false) }
        try Library.call("H5Pset_fclose_degree", context) { H5Pset_fclose_degree(fapl.id, H5F_CLOSE_STRONG) }
        return try create(name, fapl: fapl, context)
    }

    /// Builds a file in memory through `body` and returns its bytes.
    public static func image(name: String, _ body: (File) throws -> Void) throws -> [UInt8] {
        let file = try createInMemory(name: name)
        return try file.finishing { file in
            try body(file)
            return try file.image()
        }
    }

    /// Opens the bytes of an HDF5 file read-only, without a copy: `bytes` stay
    /// with the file until it is closed. `name` is what errors call it.
    public static func open(image bytes: [UInt8], name: String) throws -> File {
        let context = ErrorContext(file: name, object: nil)
        guard bytes.count >= 8, bytes.starts(with: [0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A]) else {
            throw context.error("open", "not an HDF5 file (no HDF5 signature)")
        }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes.count, alignment: 16)
        buffer.copyMemory(from: UnsafeRawBufferPointer(start: bytes.withUnsafeBytes { $0.baseAddress }, count: bytes.count))
        let flags = UInt32(H5LT_FILE_IMAGE_DONT_COPY | H5LT_FILE_IMAGE_DONT_RELEASE)
        let id: hid_t
        do {
            id = try Library.call("H5LTopen_file_image", context) { H5LTopen_file_image(buffer.baseAddress, buffer.count, flags) }
        } catch {
            buffer.deallocate()
            throw error
        }
        let file = File(id: id, filePath: name, path: "/")
        file.imageBuffer = buffer
        return file
    }

    /// The bytes of a file (flushed first): what `createInMemory` files are for.
    public func image() throws -> [UInt8] {
        try flush()
        let size = try Library.call("H5Fget_file_image", context) { H5Fget_file_image(self.id, nil, 0) }
        var bytes = [UInt8](repeating: 0, count: size)
        try bytes.withUnsafeMutableBytes { buffer in
            _ = try Library.call("H5Fget_file_image", context) { H5Fget_file_image(self.id, buffer.baseAddress, size) }
        }
        return bytes
    }

    /// Runs `body`, then flushes and closes, checking both; closes on error too.
    func finishing<R>(_ body: (File) throws -> R) throws -> R {
        let result: R
        do {
            result = try body(self)
            try flush()
        } catch {
            try? close()
            throw error
        }
        try close()
        return result
    }

    /// The bytes of a file opened with `open(image:name:)`, freed after the close.
    private var imageBuffer: UnsafeMutableRawBufferPointer?

    deinit {
        // HDF5 reads the image until the file is closed: close first, then free
        // (a close that failed leaves the image to HDF5, leaked rather than freed).
        if isOpen {
            Library.lock.lock()
            let status = closeIdentifier()
            Library.lock.unlock()
            isOpen = false
            if status < 0 { return }
        }
        imageBuffer?.deallocate()
    }

    public override func close() throws {
        try super.close()
        imageBuffer?.deallocate()
        imageBuffer = nil
    }

    private static func create(_ path: String, fapl: borrowing Handle, _ context: ErrorContext) throws -> File {
        let fcpl = try Handle.propertyList(regime_H5P_FILE_CREATE(), context)
        let order = UInt32(H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED)
        try Library.call("H5Pset_link_creation_order", context) { H5Pset_link_creation_order(fcpl.id, order) }
        try Library.call("H5Pset_attr_creation_order", context) { H5Pset_attr_creation_order(fcpl.id, order) }
        let id = try Library.call("H5Fcreate", context) {
            H5Fcreate(path, regime_H5F_ACC_TRUNC(), fcpl.id, fapl.id)
        }
        return File(id: id, filePath: path, path: "/")
    }

    /// Opens an existing file. A missing file and a file that is not HDF5 get
    /// plain messages; a truncated or damaged file gets HDF5's own diagnosis.
    public static func open(_ path: String, mode: Mode = .readOnly, locking: FileLocking = .auto,
                            environment: [String: String] = ProcessInfo.processInfo.environment) throws -> File {
        let context = ErrorContext(file: path, object: nil)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw context.error("open", "no such file")
        }
        guard !isDirectory.boolValue else { throw context.error("open", "is a directory, not an HDF5 file") }
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw context.error("open", "permission denied")
        }
        // H5Fis_hdf5 looks for the signature only; a truncated file passes it and
        // fails in H5Fopen with the library's "truncated file" message.
        let isHDF5 = try Library.call("H5Fis_hdf5", context) { H5Fis_hdf5(path) }
        if isHDF5 == 0 { throw context.error("open", "not an HDF5 file (no HDF5 signature)") }
        let fapl = try accessProperties(locking, environment, context)
        let flags = mode == .readOnly ? regime_H5F_ACC_RDONLY() : regime_H5F_ACC_RDWR()
        let id = try Library.call("H5Fopen", context) { H5Fopen(path, flags, fapl.id) }
        return File(id: id, filePath: path, path: "/")
    }

    /// Writes everything buffered to disk.
    public func flush() throws {
        try Library.call("H5Fflush", context) { H5Fflush(self.id, H5F_SCOPE_LOCAL) }
    }

    /// How many identifiers are open in this file, the file's own included: 1
    /// when nothing but the file is open.
    public func openObjectCount() throws -> Int {
        Int(try Library.call("H5Fget_obj_count", context) {
            H5Fget_obj_count(self.id, regime_H5F_OBJ_ALL() | regime_H5F_OBJ_LOCAL())
        })
    }

    override func closeIdentifier() -> herr_t { H5Fclose(id) }
    override var closeFunctionName: String { "H5Fclose" }

    private static func accessProperties(_ locking: FileLocking, _ environment: [String: String],
                                         _ context: ErrorContext) throws -> Handle {
        let fapl = try Handle.propertyList(regime_H5P_FILE_ACCESS(), context)
        let flags: (use: Bool, ignoreWhenDisabled: Bool)?
        switch FileLocking.fromEnvironment(environment) ?? locking {
        case .auto: flags = nil
        case .on: flags = (true, false)
        case .off: flags = (false, false)
        case .bestEffort: flags = (true, true)
        }
        if let flags {
            try Library.call("H5Pset_file_locking", context) {
                H5Pset_file_locking(fapl.id, flags.use, flags.ignoreWhenDisabled)
            }
        }
        return fapl
    }
}

/// Identifiers open in the whole process, by kind: a diagnostic for tests that
/// check regime closes what it opens. Files, groups, datasets, attributes and
/// named datatypes are HDF5's own counts (`H5Fget_obj_count`); temporary
/// identifiers (dataspaces, datatypes, property lists) are regime's count of
/// its live handles, as HDF5 has no public count of those.
public struct OpenIdentifierCounts: Equatable, Sendable {
    public var files = 0, groups = 0, datasets = 0, attributes = 0, namedDatatypes = 0
    public var temporaries = 0

    public static func current() -> OpenIdentifierCounts {
        Library.initialize()
        Library.lock.lock()
        defer { Library.lock.unlock() }
        func count(_ types: UInt32) -> Int { Int(regime_open_object_count(types)) }
        return OpenIdentifierCounts(
            files: count(H5F_OBJ_FILE), groups: count(H5F_OBJ_GROUP), datasets: count(H5F_OBJ_DATASET),
            attributes: count(H5F_OBJ_ATTR), namedDatatypes: count(H5F_OBJ_DATATYPE),
            temporaries: Handle.liveCount)
    }
}
