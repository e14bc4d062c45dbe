import CHDF5

/// A temporary HDF5 identifier — a property list, dataspace, datatype or
/// attribute — closed when the handle goes out of scope, on every path.
///
/// Non-copyable, so exactly one owner closes it.
struct Handle: ~Copyable {
    enum Kind { case propertyList, dataspace, datatype, attribute }

    let id: hid_t
    let kind: Kind

    /// How many handles are alive, process-wide. HDF5 offers no count of open
    /// dataspaces, datatypes or property lists (`H5Inmembers` refuses library
    /// types), and every such identifier regime holds is wrapped in a Handle the
    /// moment it is created, so this count is that number.
    /// Read and written only under `Library.lock`, which serializes every HDF5 call.
    nonisolated(unsafe) private static var live = 0
    package static var liveCount: Int {
        Library.lock.lock()
        defer { Library.lock.unlock() }
        return live
    }

    init(_ id: hid_t, _ kind: Kind) {
        self.id = id
        self.kind = kind
        Library.lock.lock()
        Handle.live += 1
        Library.lock.unlock()
    }

    deinit {
        Library.lock.lock()
        defer { Library.lock.unlock() }
        Handle.live -= 1
        switch kind {
        case .propertyList: _ = H5Pclose(id)
        case .dataspace: _ = H5Sclose(id)
        case .datatype: _ = H5Tclose(id)
        case .attribute: _ = H5Aclose(id)
        }
    }
}

extension Handle {
    /// A new property list of class `cls` (H5P_FILE_ACCESS, …).
    static func propertyList(_ cls: hid_t, _ context: ErrorContext) throws -> Handle {
        Handle(try Library.call("H5Pcreate", context) { H5Pcreate(cls) }, .propertyList)
    }

    /// A simple dataspace of the given shape; `maxShape` entries of nil are unlimited.
    static func dataspace(shape: [Int], maxShape: [Int?]? = nil, _ context: ErrorContext) throws -> Handle {
        let dims = shape.map { hsize_t($0) }
        let id: hid_t
        if let maxShape {
            let maxDims = maxShape.map { $0.map { hsize_t($0) } ?? regime_H5S_UNLIMITED() }
            id = try Library.call("H5Screate_simple", context) { H5Screate_simple(Int32(dims.count), dims, maxDims) }
        } else {
            id = try Library.call("H5Screate_simple", context) { H5Screate_simple(Int32(dims.count), dims, nil) }
        }
        return Handle(id, .dataspace)
    }

    /// A scalar dataspace (one element, rank 0).
    static func scalarDataspace(_ context: ErrorContext) throws -> Handle {
        Handle(try Library.call("H5Screate", context) { H5Screate(H5S_SCALAR) }, .dataspace)
    }

    /// A copy of a predefined or existing datatype, owned by the handle.
    static func copyOfType(_ type: hid_t, _ context: ErrorContext) throws -> Handle {
        Handle(try Library.call("H5Tcopy", context) { H5Tcopy(type) }, .datatype)
    }

    /// The variable-length UTF-8 string type regime writes every string with, so
    /// that h5py returns `str`, not bytes.
    static func variableUTF8String(_ context: ErrorContext) throws -> Handle {
        let type = try copyOfType(regime_H5T_C_S1(), context)
        try Library.call("H5Tset_size", context) { H5Tset_size(type.id, regime_H5T_VARIABLE()) }
        try Library.call("H5Tset_cset", context) { H5Tset_cset(type.id, H5T_CSET_UTF8) }
        return type
    }

    /// The shape of a dataspace.
    func extent(_ context: ErrorContext) throws -> [Int] {
        let rank = try Library.call("H5Sget_simple_extent_ndims", context) { H5Sget_simple_extent_ndims(id) }
        var dims = [hsize_t](repeating: 0, count: Int(rank))
        try Library.call("H5Sget_simple_extent_dims", context) { H5Sget_simple_extent_dims(id, &dims, nil) }
        return try dims.map { dim in
            guard let extent = Int(exactly: dim) else { throw context.error("read", "an extent of \(dim) is too large") }
            return extent
        }
    }
}
