import Data
import struct Data.Dataset
import HDF5
import LinearAlgebra

/// Data and reference artifacts in the cache, one HDF5 file each.
extension Cache {
    func save(_ artifact: Artifact, key: String, locking: FileLocking) throws {
        let temporary = temporaryPath(".h5")
        let file = try File.create(temporary, locking: locking)
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
        try file.close()
        try commit(temporary, to: objectPath(key))
    }

    func loadArtifact(key: String, locking: FileLocking) throws -> Artifact {
        let file = try File.open(objectPath(key), locking: locking)
        defer { try? file.close() }
        if try file.attribute("kind").stringValue == "references" {
            var fixed: [(name: String, weights: [Double])] = []
            let group = try file.openGroup("fixed")
            for name in try group.memberNames() { fixed.append((name, try group.openDataset(name).readDoubles())) }
            let matched: [MatchedReference]
            if case .strings(let names) = try file.attribute("matched") {
                matched = names.compactMap(MatchedReference.init(rawValue:))
            } else {
                matched = []
            }
            return .references(ReferenceArtifact(fixed: fixed, matched: matched))
        }
        let train = try read(file.openGroup("train"))
        let test = try file.contains("test") ? try read(file.openGroup("test")) : nil
        return .data(DataArtifact(train: train, test: test))
    }

    private func write(_ data: Dataset, into group: Group) throws {
        try group.write("X", data.x.storage, shape: [data.rows, data.features])
        try group.write("y", data.y)
        try group.setAttribute("feature_names", data.featureNames)
        if let truth = data.truth { try group.write("truth", truth) }
        if let noise = data.noise { try group.setAttribute("noise", noise) }
        if case .gaussian(let rho)? = data.design { try group.setAttribute("rho", rho) }
    }

    private func read(_ group: Group) throws -> Dataset {
        let shape = try group.openDataset("X").shape
        let x = Matrix(rows: shape[0], columns: shape[1], storage: try group.openDataset("X").readDoubles())
        var names: [String]?
        if case .strings(let list) = try group.attribute("feature_names") { names = list }
        let truth = try group.contains("truth") ? try group.openDataset("truth").readDoubles() : nil
        let noise = try group.hasAttribute("noise") ? try group.attribute("noise").doubleValue : nil
        let design: Design? = try group.hasAttribute("rho") ? .gaussian(correlation: try group.attribute("rho").doubleValue ?? 0) : nil
        return Dataset(x: x, y: try group.openDataset("y").readDoubles(), featureNames: names?.count == shape[1] ? names : nil,
                       truth: truth, noise: noise, design: design)
    }
}
