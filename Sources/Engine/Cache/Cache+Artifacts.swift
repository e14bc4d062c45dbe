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
            }
        }
    }

    /// The artifact of an instance; nil when the cache has none (a corrupt one
    /// is discarded and thrown as `CorruptCacheEntry`).
    func loadArtifact(key: String, what: String) throws -> Artifact? {
        try readHDF5Entry(objectPath(key), what: what) { file in
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
