import Base
import Datasets
import struct Datasets.Dataset
import HDF5
import Learning
import LinearAlgebra
import Operations

/// Data and reference artifacts in the cache, one HDF5 file each.
extension Cache {
    func save(_ artifact: Artifact, key: String) throws {
        try writeHDF5Entry(to: objectPath(key)) { file in
            switch artifact {
            case .data(let data):
                try file.setAttribute("kind", "data")
                try write(data.train, into: file.createGroup("train"))
                if let test = data.test { try write(test, into: file.createGroup("test")) }
            case .references(let references):
                try file.setAttribute("kind", "references")
                try file.setAttribute("matched", references.matched.map(\.rawValue))
                let group = try file.createGroup("fixed")
                for (name, weights) in references.fixed { try group.write(name, weights) }
            case .samples(let samples):
                try file.setAttribute("kind", "samples")
                try file.setAttribute("shape", samples.shape.map(Int64.init))
                try file.setAttribute("metric_names", samples.metricNames)
                try file.write("images", samples.images.storage, shape: [samples.images.rows, samples.images.columns], storage: .contiguous)
                try file.write("nearest_train", samples.nearestTrain.map(Int64.init))
                try file.write("nearest_images", samples.nearestImages.storage, shape: [samples.images.rows, samples.images.columns],
                               storage: .contiguous)
                try file.write("metrics", samples.metrics)
            case .fitPoint:
                preconditionFailure("a fit point is read from its batch, never cached alone")
            }
        }
    }

    /// The artifact of an instance; nil when the cache has none (a corrupt one
    /// is discarded and thrown as `CorruptCacheEntry`).
    func loadArtifact(key: String, what: String) throws -> Artifact? {
        try readHDF5Entry(objectPath(key), what: what) { file in
            if try file.attribute("kind").stringValue == "samples" {
                let set = try file.openDataset("images")
                let dims = try set.shape
                guard dims.count == 2, case .integers(let shape) = try file.attribute("shape"), shape.count == 2,
                      Int(shape[0] * shape[1]) == dims[1] else { throw CacheError(message: "samples of an unknown shape") }
                guard case .strings(let names) = try file.attribute("metric_names") else { throw CacheError(message: "no metric names") }
                let nearest = try file.openDataset("nearest_train").read(as: Int64.self).map(Int.init)
                let metrics = try file.openDataset("metrics").readDoubles()
                let nearestImages = try file.openDataset("nearest_images").readDoubles()
                guard nearest.count == dims[0], metrics.count == names.count, nearestImages.count == dims[0] * dims[1] else {
                    throw CacheError(message: "samples of mismatched lengths")
                }
                return .samples(SampleArtifact(images: Matrix(rows: dims[0], columns: dims[1], storage: try set.readDoubles()),
                                               shape: shape.map { Int($0) }, nearestTrain: nearest,
                                               nearestImages: Matrix(rows: dims[0], columns: dims[1], storage: nearestImages),
                                               metricNames: names, metrics: metrics))
            }
            if try file.attribute("kind").stringValue == "references" {
                var fixed: [(name: String, weights: [Double])] = []
                let group = try file.openGroup("fixed")
                for name in try group.memberNames() { fixed.append((name, try group.openDataset(name).readDoubles())) }
                guard case .strings(let names) = try file.attribute("matched") else {
                    throw CacheError(message: "no list of matched references")
                }
                let matched = try names.map { name in
                    guard let kind = MatchedReference(rawValue: name) else { throw CacheError(message: "unknown reference \(name)") }
                    return kind
                }
                return .references(ReferenceArtifact(fixed: fixed, matched: matched))
            }
            let train = try read(file.openGroup("train"))
            let test = try file.contains("test") ? try read(file.openGroup("test")) : nil
            return .data(DataArtifact(train: train, test: test))
        }
    }

    private func write(_ data: Dataset, into group: Group) throws {
        // Uncompressed: measured, deflate spent 56% of a run that synthesized
        // 1,200 × 2,000 Gaussian values (which do not compress) and fit one point.
        try group.write("X", data.x.storage, shape: [data.rows, data.features], storage: .contiguous)
        try group.write("y", data.y, storage: .contiguous)
        try group.setAttribute("feature_names", data.featureNames)
        if let truth = data.truth { try group.write("truth", truth) }
        if let noise = data.noise { try group.setAttribute("noise", noise) }
        if case .gaussian(let rho)? = data.design { try group.setAttribute("rho", rho) }
    }

    private func read(_ group: Group) throws -> Dataset {
        let shape = try group.openDataset("X").shape
        let y = try group.openDataset("y").readDoubles()
        guard shape.count == 2, shape[0] == y.count else { throw CacheError(message: "X of shape \(shape) for \(y.count) labels") }
        let x = Matrix(rows: shape[0], columns: shape[1], storage: try group.openDataset("X").readDoubles())
        guard case .strings(let names) = try group.attribute("feature_names"), names.count == shape[1] else {
            throw CacheError(message: "feature names do not fit X")
        }
        let truth = try group.contains("truth") ? try group.openDataset("truth").readDoubles() : nil
        let noise = try group.hasAttribute("noise") ? try group.attribute("noise").doubleValue : nil
        let design: Design? = try group.hasAttribute("rho") ? .gaussian(correlation: try group.attribute("rho").doubleValue ?? 0) : nil
        guard (truth?.count ?? shape[1]) == shape[1] else { throw CacheError(message: "a truth of the wrong length") }
        return Dataset(x: x, y: y, featureNames: names, truth: truth, noise: noise, design: design)
    }
}
