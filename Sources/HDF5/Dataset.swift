import CHDF5

/// An open HDF5 dataset. Arrays are row-major (C order, as HDF5 and NumPy store
/// them): element (i, j) of an n × d dataset is at flat index i·d + j.
public final class Dataset: Object {
    override func closeIdentifier() -> herr_t { H5Dclose(id) }
    override var closeFunctionName: String { "H5Dclose" }

    /// The current shape (a scalar dataset has shape []).
    public var shape: [Int] {
        get throws { try space().extent(context) }
    }

    /// The maximum shape; nil marks an unlimited axis.
    public var maxShape: [Int?] {
        get throws {
            let space = try space()
            let rank = try Library.call("H5Sget_simple_extent_ndims", context) { H5Sget_simple_extent_ndims(space.id) }
            var dims = [hsize_t](repeating: 0, count: Int(rank))
            var maxDims = [hsize_t](repeating: 0, count: Int(rank))
            try Library.call("H5Sget_simple_extent_dims", context) { H5Sget_simple_extent_dims(space.id, &dims, &maxDims) }
            return maxDims.map { $0 == regime_H5S_UNLIMITED() ? nil : Int($0) }
        }
    }

    /// What the dataset holds in the file.
    public var storedType: StoredType {
        get throws {
            let type = try fileType()
            return try StoredType.of(type.id, context)
        }
    }

    /// The chunk shape, or nil for contiguous and compact datasets.
    public var chunkShape: [Int]? {
        get throws {
            let dcpl = Handle(try Library.call("H5Dget_create_plist", context) { H5Dget_create_plist(self.id) }, .propertyList)
            let layout = try Library.call("H5Pget_layout", context) { H5Pget_layout(dcpl.id).rawValue }
            guard H5D_layout_t(layout) == H5D_CHUNKED else { return nil }
            let rank = try shape.count
            var dims = [hsize_t](repeating: 0, count: rank)
            try Library.call("H5Pget_chunk", context) { H5Pget_chunk(dcpl.id, Int32(rank), &dims) }
            return dims.map { Int($0) }
        }
    }

    /// The names of the filters in the pipeline, in order (`shuffle`, `deflate`).
    public var filters: [String] {
        get throws {
            let dcpl = Handle(try Library.call("H5Dget_create_plist", context) { H5Dget_create_plist(self.id) }, .propertyList)
            let count = try Library.call("H5Pget_nfilters", context) { H5Pget_nfilters(dcpl.id) }
            var names: [String] = []
            for index in 0..<UInt32(count) {
                var flags: UInt32 = 0, elements = 0, config: UInt32 = 0
                var values = [UInt32](repeating: 0, count: 8)
                var name = [CChar](repeating: 0, count: 64)
                let filter = try Library.call("H5Pget_filter2", context) {
                    H5Pget_filter2(dcpl.id, index, &flags, &elements, &values, name.count, &name, &config)
                }
                switch filter {
                case H5Z_FILTER_DEFLATE: names.append("deflate")
                case H5Z_FILTER_SHUFFLE: names.append("shuffle")
                case H5Z_FILTER_FLETCHER32: names.append("fletcher32")
                default: names.append(String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
                }
            }
            return names
        }
    }

    func space() throws -> Handle {
        Handle(try Library.call("H5Dget_space", context) { H5Dget_space(self.id) }, .dataspace)
    }

    func fileType() throws -> Handle {
        Handle(try Library.call("H5Dget_type", context) { H5Dget_type(self.id) }, .datatype)
    }
}

// MARK: - Creating

extension Container {
    /// Creates a numeric dataset of `shape`. With `extendible`, the first axis is
    /// unlimited and rows can be appended (the dataset is then always chunked).
    ///
    /// `fill` is what elements never written read as (HDF5's fill value; 0
    /// otherwise) — set it rather than writing it, and a chunked dataset
    /// allocates and compresses each chunk once, when it is written.
    /// `chunkCacheBytes` sizes this handle's chunk cache (HDF5's default is
    /// 1 MiB): a writer that fills chunks in a scattered order keeps them there,
    /// compressed once on eviction instead of once per write.
    @discardableResult
    public func createDataset<T: StorableElement>(_ name: String, of type: T.Type, shape: [Int],
                                                  storage: Storage = .automatic, extendible: Bool = false,
                                                  fill: T? = nil, chunkCacheBytes: Int? = nil) throws -> Dataset {
        let context = context(for: name)
        let fileType = try T.elementKind.memoryType(context)
        return try createDataset(name, type: fileType, elementSize: MemoryLayout<T>.stride,
                                 shape: shape, storage: storage, extendible: extendible, context) { dcpl, dapl in
            if let fill {
                _ = try withUnsafeBytes(of: fill) { bytes in
                    try Library.call("H5Pset_fill_value", context) { H5Pset_fill_value(dcpl, fileType.id, bytes.baseAddress) }
                }
            }
            if let chunkCacheBytes {
                // Slots: a prime well above the chunks that fit, as HDF5 advises; w0 = 1 evicts fully written chunks first.
                try Library.call("H5Pset_chunk_cache", context) {
                    H5Pset_chunk_cache(dapl, 100_003, chunkCacheBytes, 1.0)
                }
            }
        }
    }

    /// Creates a dataset and writes `values` (row-major, `shape.product` of them).
    @discardableResult
    public func write<T: StorableElement>(_ name: String, _ values: [T], shape: [Int]? = nil,
                                          storage: Storage = .automatic) throws -> Dataset {
        let dataset = try createDataset(name, of: T.self, shape: shape ?? [values.count], storage: storage)
        try dataset.write(values)
        return dataset
    }

    /// Creates a 1-D dataset of variable-length UTF-8 strings and writes `values`.
    @discardableResult
    public func writeStrings(_ name: String, _ values: [String], extendible: Bool = false) throws -> Dataset {
        let context = context(for: name)
        let type = try Handle.variableUTF8String(context)
        // Variable-length data lives in the global heap, which filters do not
        // compress; chunk only when the dataset must grow.
        let dataset = try createDataset(name, type: type, elementSize: MemoryLayout<UnsafePointer<CChar>>.stride,
                                        shape: [values.count], storage: extendible ? .automatic : .contiguous,
                                        extendible: extendible, context)
        try dataset.writeStrings(values)
        return dataset
    }

    func createDataset(_ name: String, type: borrowing Handle, elementSize: Int, shape: [Int],
                       storage: Storage, extendible: Bool, _ context: ErrorContext,
                       properties: (_ dcpl: hid_t, _ dapl: hid_t) throws -> Void = { _, _ in }) throws -> Dataset {
        guard shape.allSatisfy({ $0 >= 0 }) else { throw context.error("create", "negative extent in shape \(shape)") }
        let space = try Handle.dataspace(shape: shape, maxShape: extendible ? [nil] + shape.dropFirst().map { $0 } : nil, context)
        let dcpl = try Handle.propertyList(regime_H5P_DATASET_CREATE(), context)
        let bytes = shape.reduce(elementSize, *)
        var layout = storage
        if case .automatic = storage {
            layout = (extendible || bytes >= Storage.compressionThreshold) ? .compressed(level: 1) : .contiguous
        }
        if extendible, case .contiguous = layout {
            throw context.error("create", "an extendible dataset must be chunked")
        }
        switch layout {
        case .automatic, .contiguous:
            break
        case .compressed(let level):
            if !shape.isEmpty {
                let chunks = Storage.chunkShape(for: shape, elementSize: elementSize, extendible: extendible)
                try setChunking(dcpl, chunks: chunks, deflate: level, shuffle: true, context)
            }
        case .chunked(let chunks, let deflate, let shuffle):
            guard chunks.count == shape.count, chunks.allSatisfy({ $0 > 0 }) else {
                throw context.error("create", "chunk shape \(chunks) does not fit dataset shape \(shape)")
            }
            try setChunking(dcpl, chunks: chunks, deflate: deflate, shuffle: shuffle, context)
        }
        let dapl = try Handle.propertyList(regime_H5P_DATASET_ACCESS(), context)
        try properties(dcpl.id, dapl.id)
        let lcpl = try Handle.propertyList(regime_H5P_LINK_CREATE(), context)
        try Library.call("H5Pset_create_intermediate_group", context) { H5Pset_create_intermediate_group(lcpl.id, 1) }
        let id = try Library.call("H5Dcreate2", context) {
            H5Dcreate2(self.id, name, type.id, space.id, lcpl.id, dcpl.id, dapl.id)
        }
        return Dataset(id: id, filePath: filePath, path: childPath(name))
    }

    private func setChunking(_ dcpl: borrowing Handle, chunks: [Int], deflate: Int?, shuffle: Bool,
                             _ context: ErrorContext) throws {
        let dims = chunks.map { hsize_t($0) }
        try Library.call("H5Pset_chunk", context) { H5Pset_chunk(dcpl.id, Int32(dims.count), dims) }
        if shuffle { try Library.call("H5Pset_shuffle", context) { H5Pset_shuffle(dcpl.id) } }
        if let deflate { try Library.call("H5Pset_deflate", context) { H5Pset_deflate(dcpl.id, UInt32(deflate)) } }
    }
}
