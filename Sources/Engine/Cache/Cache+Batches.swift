import HDF5
import Operations

/// Trained batches in the cache, one HDF5 file each (`batches/ab/<key>.h5`),
/// written whole: a batch is cached completely or not at all.
extension Cache {
    func save(_ batch: TrainedBatch, to path: String) throws {
        try writeHDF5Entry(to: path) { file in
            try file.setAttribute("stage", batch.stage)
            try file.setAttribute("data_key", batch.dataKey)
            try file.setAttribute("metric_names", batch.metricNames)
            try file.setAttribute("feature_names", batch.featureNames)
            try file.writeStrings("points", batch.pointKeys)
            let k = batch.count, d = batch.features
            // Weights do not compress; trajectories (smooth, NaN after a stop) do, at deflate's fastest level.
            try file.write("weights", batch.weights.flatMap { $0 }, shape: [k, d], storage: .contiguous)
            try file.write("metrics", batch.metrics.flatMap { $0 }, shape: [k, batch.metricNames.count])
            try file.writeStrings("status", batch.status)
            try file.writeStrings("stop", batch.stop)
            try file.write("steps", batch.steps)
            try file.write("lr", batch.learningRates)
            try file.write("time", batch.times)
            try file.write("converged", batch.converged)
            try file.write("seconds", batch.seconds)
            try file.write("recorded", batch.recordedSteps.map { Int64($0) })
            if !batch.recordedSteps.isEmpty {
                let group = try file.createGroup("trajectories")
                for (index, name) in batch.metricNames.enumerated() {
                    try group.write(name, batch.trajectories[index].flatMap { $0 }, shape: [k, batch.recordedSteps.count],
                                    storage: .compressed(level: 1))
                }
            }
            if let truth = batch.truth { try file.write("truth", truth) }
            let references = try file.createGroup("references")
            for (name, weights) in batch.fixedReferences { try references.write(name, weights) }
            let matched = try file.createGroup("matched")
            for (name, weights) in batch.matchedReferences {
                try matched.write(name, weights.flatMap { $0 }, shape: [k, d], storage: .contiguous)
            }
            if let denoisers = batch.denoisers {
                let group = try file.createGroup("denoisers")
                try group.setAttribute("steps", Int64(batch.denoiserSteps))
                try group.setAttribute("outputs", Int64(batch.denoiserOutputs))
                for (row, values) in denoisers.enumerated() { try group.write(String(row), values, storage: .contiguous) }
            }
        }
    }

    /// The batch at `path`; nil when there is none. Every array is checked
    /// against the shapes the header promises.
    func loadBatch(from path: String) throws -> TrainedBatch? {
        try readHDF5Entry(path, what: "a fit batch") { file in
            func strings(_ name: String) throws -> [String] {
                guard case .strings(let list) = try file.attribute(name) else { throw CacheError(message: "\(name) is not a list") }
                return list
            }
            let metricNames = try strings("metric_names"), featureNames = try strings("feature_names")
            let points = try file.openDataset("points").readStrings()
            let k = points.count, d = featureNames.count
            func rows(_ flat: [Double], _ width: Int, _ name: String) throws -> [[Double]] {
                guard flat.count == k * width else { throw CacheError(message: "\(name) holds \(flat.count) values, not \(k) × \(width)") }
                return (0..<k).map { Array(flat[($0 * width)..<(($0 + 1) * width)]) }
            }
            func column<T>(_ values: [T], _ name: String) throws -> [T] {
                guard values.count == k else { throw CacheError(message: "\(name) holds \(values.count) values for \(k) points") }
                return values
            }
            let recorded = try file.openDataset("recorded").read(as: Int64.self).map(Int.init)
            var trajectories: [[[Double]]] = []
            if !recorded.isEmpty {
                let group = try file.openGroup("trajectories")
                for name in metricNames {
                    trajectories.append(try rows(try group.openDataset(name).readDoubles(), recorded.count, name))
                }
            } else {
                trajectories = metricNames.map { _ in Array(repeating: [], count: k) }
            }
            var fixed: [(name: String, weights: [Double])] = []
            let references = try file.openGroup("references")
            for name in try references.memberNames() { fixed.append((name, try references.openDataset(name).readDoubles())) }
            var matched: [(name: String, weights: [[Double]])] = []
            let matchedGroup = try file.openGroup("matched")
            for name in try matchedGroup.memberNames() {
                matched.append((name, try rows(try matchedGroup.openDataset(name).readDoubles(), d, name)))
            }
            let truth = try file.contains("truth") ? try file.openDataset("truth").readDoubles() : nil
            guard (truth?.count ?? d) == d, fixed.allSatisfy({ $0.weights.count == d }) else {
                throw CacheError(message: "a truth or reference of the wrong length")
            }
            var denoisers: [[Double]]?, denoiserSteps = 0, denoiserOutputs = 0
            if try file.contains("denoisers") {
                let group = try file.openGroup("denoisers")
                denoiserSteps = Int(try group.attribute("steps").doubleValue ?? 0)
                denoiserOutputs = Int(try group.attribute("outputs").doubleValue ?? 0)
                denoisers = try (0..<k).map { try group.openDataset(String($0)).readDoubles() }
            }
            var batch = TrainedBatch(
                stage: try file.attribute("stage").stringValue ?? "", dataKey: try file.attribute("data_key").stringValue ?? "",
                pointKeys: points, metricNames: metricNames, featureNames: featureNames, recordedSteps: recorded,
                weights: try rows(try file.openDataset("weights").readDoubles(), d, "weights"),
                metrics: try rows(try file.openDataset("metrics").readDoubles(), metricNames.count, "metrics"),
                status: try column(try file.openDataset("status").readStrings(), "status"),
                stop: try column(try file.openDataset("stop").readStrings(), "stop"),
                steps: try column(try file.openDataset("steps").readDoubles(), "steps"),
                learningRates: try column(try file.openDataset("lr").readDoubles(), "lr"),
                times: try file.contains("time") ? try column(try file.openDataset("time").readDoubles(), "time") : nil,
                converged: try file.contains("converged") ? try column(try file.openDataset("converged").readDoubles(), "converged") : nil,
                seconds: try column(try file.openDataset("seconds").readDoubles(), "seconds"),
                trajectories: trajectories, truth: truth, fixedReferences: fixed, matchedReferences: matched)
            batch.denoisers = denoisers
            batch.denoiserSteps = denoiserSteps
            batch.denoiserOutputs = denoiserOutputs
            return batch
        }
    }
}
