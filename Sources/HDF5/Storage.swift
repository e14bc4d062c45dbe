/// How a new dataset is laid out on disk.
public enum Storage: Sendable, Equatable {
    /// Chunked with shuffle + deflate when the dataset holds 10 KiB or more, or
    /// is extendible; contiguous otherwise. What regime uses for its results.
    case automatic
    /// One contiguous block, no filters. Cannot be extendible.
    case contiguous
    /// Chunked (chunk shape from `Storage.chunkShape`), shuffle + deflate at `level` (0–9).
    case compressed(level: Int)
    /// Chunked with an explicit chunk shape and filters.
    case chunked(chunks: [Int], deflate: Int?, shuffle: Bool)

    /// Datasets from this size up are compressed by `.automatic`.
    public static let compressionThreshold = 10 * 1024
    /// Chunk size `chunkShape` aims for: inside the 10 KiB–1 MiB range every
    /// HDF5 reader handles well, and one chunk of a trajectory row block.
    public static let targetChunkBytes = 256 * 1024

    /// A chunk shape of about `targetChunkBytes` for a dataset of `shape`.
    ///
    /// Trailing axes are kept whole while they fit, so reading a row (one point's
    /// weights or trajectory) touches one chunk; the largest axis is halved until
    /// the chunk fits. An extendible first axis of length 0 is sized from the row.
    public static func chunkShape(for shape: [Int], elementSize: Int, extendible: Bool) -> [Int] {
        guard !shape.isEmpty else { return [] }
        var chunk = shape.map { max($0, 1) }
        if extendible {
            let rowBytes = chunk.dropFirst().reduce(elementSize, *)
            chunk[0] = max(1, targetChunkBytes / max(rowBytes, 1))
        }
        func bytes() -> Int { chunk.reduce(elementSize, *) }
        while bytes() > targetChunkBytes {
            // Halve the first axis first (rows), then the largest remaining axis.
            let axis = chunk[0] > 1 ? 0 : chunk.indices.max { chunk[$0] < chunk[$1] }!
            if chunk[axis] == 1 { break }
            chunk[axis] = (chunk[axis] + 1) / 2
        }
        return chunk
    }
}
