import HDF5

/// One trained fit batch as the cache keeps it: every point's final weights,
/// metrics and trajectory, and what the results file needs beside them (the
/// truth, the references, the feature names). Written in one file, renamed into
/// place whole: a batch is cached completely or not at all.
struct FitBatchRecord {
    var stage: String
    /// The data instance the batch trained on (the results file's truth source).
    var dataKey: String
    var pointKeys: [String]
    var metricNames: [String]
    var featureNames: [String]
    var recordedSteps: [Int]
    /// Per point.
    var weights: [[Double]]
    var metrics: [[Double]]
    var status: [String]
    var stop: [String]
    var steps: [Double]
    var learningRates: [Double]
    var seconds: [Double]
    /// Per metric, per point: values at `recordedSteps`.
    var trajectories: [[[Double]]]
    var truth: [Double]?
    var fixedReferences: [(name: String, weights: [Double])]
    /// Per reference, per point.
    var matchedReferences: [(name: String, weights: [[Double]])]

    var count: Int { pointKeys.count }
    var features: Int { featureNames.count }

    func save(to path: String, cache: Cache) throws {
        try cache.writeHDF5Entry(to: path) { file in
            try file.setAttribute("stage", stage)
            try file.setAttribute("data_key", dataKey)
            try file.setAttribute("metric_names", metricNames)
            try file.setAttribute("feature_names", featureNames)
            try file.writeStrings("points", pointKeys)
            let k = count, d = features
            try file.write("weights", weights.flatMap { $0 }, shape: [k, d])
            try file.write("metrics", metrics.flatMap { $0 }, shape: [k, metricNames.count])
            try file.writeStrings("status", status)
            try file.writeStrings("stop", stop)
            try file.write("steps", steps)
            try file.write("lr", learningRates)
            try file.write("seconds", seconds)
            try file.write("recorded", recordedSteps.map { Int64($0) })
            if !recordedSteps.isEmpty {
                let group = try file.createGroup("trajectories")
                for (index, name) in metricNames.enumerated() {
                    try group.write(name, trajectories[index].flatMap { $0 }, shape: [k, recordedSteps.count])
                }
            }
            if let truth { try file.write("truth", truth) }
            let references = try file.createGroup("references")
            for (name, weights) in fixedReferences { try references.write(name, weights) }
            let matched = try file.createGroup("matched")
            for (name, weights) in matchedReferences { try matched.write(name, weights.flatMap { $0 }, shape: [k, d]) }
        }
    }

    /// The batch at `path`; nil when there is none. Every array is checked
    /// against the shapes the header promises.
    static func load(from path: String, cache: Cache) throws -> FitBatchRecord? {
        try cache.readHDF5Entry(path, what: "a fit batch") { file in
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
            guard truth == nil || truth!.count == d, fixed.allSatisfy({ $0.weights.count == d }) else {
                throw CacheError(message: "a truth or reference of the wrong length")
            }
            return FitBatchRecord(
                stage: try file.attribute("stage").stringValue ?? "", dataKey: try file.attribute("data_key").stringValue ?? "",
                pointKeys: points, metricNames: metricNames, featureNames: featureNames, recordedSteps: recorded,
                weights: try rows(try file.openDataset("weights").readDoubles(), d, "weights"),
                metrics: try rows(try file.openDataset("metrics").readDoubles(), metricNames.count, "metrics"),
                status: try column(try file.openDataset("status").readStrings(), "status"),
                stop: try column(try file.openDataset("stop").readStrings(), "stop"),
                steps: try column(try file.openDataset("steps").readDoubles(), "steps"),
                learningRates: try column(try file.openDataset("lr").readDoubles(), "lr"),
                seconds: try column(try file.openDataset("seconds").readDoubles(), "seconds"),
                trajectories: trajectories, truth: truth, fixedReferences: fixed, matchedReferences: matched)
        }
    }
}
