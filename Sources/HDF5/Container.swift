import CHDF5

/// A file or group: something that holds groups and datasets.
///
/// Names are relative to this container, or absolute (`/summary/l2`), and may be
/// nested (`trajectories/train_mse`).
public class Container: Object {
    /// Creates a group, and any missing intermediate groups. New groups track the
    /// creation order of their members, so readers list summary columns and
    /// attributes in the order regime wrote them.
    @discardableResult
    public func createGroup(_ name: String) throws -> Group {
        let context = context(for: name)
        let lcpl = try Handle.propertyList(regime_H5P_LINK_CREATE(), context)
        try Library.call("H5Pset_create_intermediate_group", context) { H5Pset_create_intermediate_group(lcpl.id, 1) }
        let gcpl = try Handle.propertyList(regime_H5P_GROUP_CREATE(), context)
        let order = UInt32(H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED)
        try Library.call("H5Pset_link_creation_order", context) { H5Pset_link_creation_order(gcpl.id, order) }
        try Library.call("H5Pset_attr_creation_order", context) { H5Pset_attr_creation_order(gcpl.id, order) }
        let id = try Library.call("H5Gcreate2", context) {
            H5Gcreate2(self.id, name, lcpl.id, gcpl.id, regime_H5P_DEFAULT())
        }
        return Group(id: id, filePath: filePath, path: childPath(name))
    }

    /// Opens an existing group.
    public func openGroup(_ name: String) throws -> Group {
        let context = context(for: name)
        try requireLink(name, kind: "group", context)
        let id = try Library.call("H5Gopen2", context) { H5Gopen2(self.id, name, regime_H5P_DEFAULT()) }
        return Group(id: id, filePath: filePath, path: childPath(name))
    }

    /// Opens the group if it exists, creates it otherwise.
    public func requireGroup(_ name: String) throws -> Group {
        try contains(name) ? openGroup(name) : createGroup(name)
    }

    /// Opens an existing dataset.
    public func openDataset(_ name: String) throws -> Dataset {
        let context = context(for: name)
        try requireLink(name, kind: "dataset", context)
        let id = try Library.call("H5Dopen2", context) { H5Dopen2(self.id, name, regime_H5P_DEFAULT()) }
        return Dataset(id: id, filePath: filePath, path: childPath(name))
    }

    /// Whether a (possibly nested) path names an existing object. Unlike
    /// `H5Lexists` on a nested path, a missing intermediate group is `false`, not an error.
    public func contains(_ name: String) throws -> Bool {
        var prefix = name.hasPrefix("/") ? "/" : ""
        for component in name.split(separator: "/") {
            prefix += (prefix.isEmpty || prefix.hasSuffix("/") ? "" : "/") + component
            let path = prefix
            let exists = try Library.call("H5Lexists", context(for: path)) { H5Lexists(self.id, path, regime_H5P_DEFAULT()) }
            if exists == 0 { return false }
        }
        return true
    }

    /// What kind of object a path names, or nil when nothing is there.
    public func kind(of name: String) throws -> ObjectKind? {
        guard try contains(name) else { return nil }
        let context = context(for: name)
        let object = try Library.call("H5Oopen", context) { H5Oopen(self.id, name, regime_H5P_DEFAULT()) }
        defer { Library.lock.lock(); _ = H5Oclose(object); Library.lock.unlock() }
        let type = try Library.call("H5Iget_type", context) { H5Iget_type(object).rawValue }
        switch H5I_type_t(type) {
        case H5I_GROUP: return .group
        case H5I_DATASET: return .dataset
        case H5I_DATATYPE: return .namedDatatype
        default: return .other
        }
    }

    /// The names of the direct members, in creation order when the group tracks it
    /// (every group regime creates does), otherwise in name order.
    public func memberNames() throws -> [String] {
        let context = self.context
        let tracked = try tracksCreationOrder()
        var info = H5G_info_t()
        try Library.call("H5Gget_info", context) { H5Gget_info(self.id, &info) }
        let index = tracked ? H5_INDEX_CRT_ORDER : H5_INDEX_NAME
        var names: [String] = []
        for position in 0..<info.nlinks {
            let length = try Library.call("H5Lget_name_by_idx", context) {
                H5Lget_name_by_idx(self.id, ".", index, H5_ITER_INC, position, nil, 0, regime_H5P_DEFAULT())
            }
            var buffer = [CChar](repeating: 0, count: Int(length) + 1)
            try Library.call("H5Lget_name_by_idx", context) {
                H5Lget_name_by_idx(self.id, ".", index, H5_ITER_INC, position, &buffer, buffer.count, regime_H5P_DEFAULT())
            }
            names.append(String(decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return names
    }

    private func tracksCreationOrder() throws -> Bool {
        // "." opens the group itself, or a file's root group (a file id is not a group id).
        let group = try Library.call("H5Gopen2", context) { H5Gopen2(self.id, ".", regime_H5P_DEFAULT()) }
        defer { Library.lock.lock(); _ = H5Gclose(group); Library.lock.unlock() }
        let gcpl = Handle(try Library.call("H5Gget_create_plist", context) { H5Gget_create_plist(group) }, .propertyList)
        var flags: UInt32 = 0
        try Library.call("H5Pget_link_creation_order", context) { H5Pget_link_creation_order(gcpl.id, &flags) }
        return flags & UInt32(H5P_CRT_ORDER_INDEXED) != 0
    }

    /// Fails with a plain message when nothing of that name exists, instead of
    /// HDF5's deeper stack about B-tree lookups.
    private func requireLink(_ name: String, kind: String, _ context: ErrorContext) throws {
        if try !contains(name) {
            throw HDF5Error(file: filePath, object: context.object, function: "open",
                            message: "no \(kind) at this path")
        }
    }
}

/// The kinds of object a path can name.
public enum ObjectKind: Sendable, Equatable {
    case group, dataset, namedDatatype, other
}

/// An open HDF5 group.
public final class Group: Container {
    override func closeIdentifier() -> herr_t { H5Gclose(id) }
    override var closeFunctionName: String { "H5Gclose" }
}
