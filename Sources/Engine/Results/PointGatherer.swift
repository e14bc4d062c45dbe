import Foundation
import HDF5
import Operations
import Pipeline
import ResultsFormat

/// The fit points a write or export stage gathers, located in the cache: the
/// summary table (small, in memory) and the per-point arrays (weights,
/// trajectories, truth, references), read one batch file at a time so that
/// memory is bounded by a batch, not by the sweep.
struct PointGatherer: GatheredPoints {
    struct Location {
        var batch: String
        var row: Int
    }

    let plan: KeyedPlan
    let cache: Cache
    /// The gathered instances, in output order: fit points, or sample instances.
    let points: [Int]
    /// Per gathered instance, the fit point whose batch holds its training
    /// result (itself for a fit point, its input for a sample instance).
    let sources: [Int]
    /// Output position → the cache key of its samples (gathered sample instances).
    let sampleKeys: [Int: String]
    /// Where each point's result is (nil: it failed in this run, with --keep-going).
    let locations: [Location?]
    let failures: [Int: String]
    /// Batch keys in order of first appearance.
    let batchKeys: [String]
    /// Per batch: metric names, recorded steps, feature names, data key.
    let headers: [String: Header]

    struct Header {
        var metricNames: [String]
        var recordedSteps: [Int]
        var featureNames: [String]
        var dataKey: String
        var hasTruth: Bool
        var fixedReferences: [String]
        var matchedReferences: [String]
    }

    /// `locations` gives each gathered point's batch and row (points of a
    /// batch that failed in this run, with --keep-going, are in `failures`).
    init(plan: KeyedPlan, instance: KeyedInstance, cache: Cache, locations found: [Int: (batch: String, row: Int)],
         failures: [Int: String]) throws {
        self.plan = plan
        self.cache = cache
        self.failures = failures
        points = instance.inputs.flatMap(\.instances)
        var sources: [Int] = [], sampleKeys: [Int: String] = [:]
        for (output, point) in points.enumerated() {
            sources.append(plan.plan.trainingSource(of: point))
            if sources[output] != point { sampleKeys[output] = plan.key(point) }
        }
        self.sources = sources
        self.sampleKeys = sampleKeys
        var locations: [Location?] = []
        var keys: [String] = [], seen = Set<String>()
        for point in points {
            if let found = found[point] {
                locations.append(Location(batch: found.batch, row: found.row))
                if seen.insert(found.batch).inserted { keys.append(found.batch) }
            } else {
                locations.append(nil)
            }
        }
        self.locations = locations
        batchKeys = keys
        var headers: [String: Header] = [:]
        for key in keys { headers[key] = try PointGatherer.header(cache.batchPath(key), cache: cache) }
        self.headers = headers
    }

    private static func header(_ path: String, cache: Cache) throws -> Header {
        let header = try cache.readHDF5Entry(path, what: "a fit batch") { file in
            func strings(_ name: String) throws -> [String] {
                guard case .strings(let list) = try file.attribute(name) else { throw CacheError(message: "\(name) is not a list") }
                return list
            }
            return Header(metricNames: try strings("metric_names"),
                          recordedSteps: try file.openDataset("recorded").read(as: Int64.self).map(Int.init),
                          featureNames: try strings("feature_names"), dataKey: try file.attribute("data_key").stringValue ?? "",
                          hasTruth: try file.contains("truth"),
                          fixedReferences: try file.openGroup("references").memberNames(),
                          matchedReferences: try file.openGroup("matched").memberNames())
        }
        guard let header else { throw cache.discard(path, what: "a fit batch", reason: "missing") }
        return header
    }

    /// Every batch record with the output rows of its points, one at a time.
    func forEachBatch(_ body: (TrainedBatch, _ rows: [(output: Int, row: Int)]) throws -> Void) throws {
        var rowsOfBatch: [String: [(output: Int, row: Int)]] = [:]
        for (output, location) in locations.enumerated() {
            guard let location else { continue }
            rowsOfBatch[location.batch, default: []].append((output, location.row))
        }
        for key in batchKeys {
            let path = cache.batchPath(key)
            guard let record = try cache.loadBatch(from: path) else {
                throw cache.discard(path, what: "a fit batch", reason: "missing")
            }
            let rows = rowsOfBatch[key] ?? []
            // The batch must hold the points the plan puts in it, row by row.
            for (output, row) in rows where row >= record.count || record.pointKeys[row] != plan.key(sources[output]) {
                throw cache.discard(path, what: "a fit batch", reason: "it does not hold the points its name says")
            }
            try body(record, rows)
        }
    }

    var count: Int { points.count }

    var truth: ResultsShape.Sharing? {
        guard allHeaders.contains(where: \.hasTruth) else { return nil }
        return sharedDataKey != nil && uniformFeatures != nil ? .shared : .perPoint
    }

    var references: [(name: String, sharing: ResultsShape.Sharing)] {
        let shared = sharedDataKey != nil && uniformFeatures != nil
        return referenceNames.map { name in
            let fixedEverywhere = allHeaders.allSatisfy { $0.fixedReferences.contains(name) }
            return (name, fixedEverywhere && shared ? .shared : .perPoint)
        }
    }

    /// The union of the metric names, in order of first appearance.
    var metricNames: [String] { union(allHeaders.map(\.metricNames)) }
    /// The union of the recorded steps, ascending.
    var recordedSteps: [Int] { Array(Set(allHeaders.flatMap(\.recordedSteps))).sorted() }
    var referenceNames: [String] { union(allHeaders.map { $0.fixedReferences + $0.matchedReferences }) }

    /// The headers of the batches, in order of first appearance.
    private var allHeaders: [Header] { batchKeys.compactMap { headers[$0] } }

    /// d of every point when they agree.
    var uniformFeatures: [String]? {
        let names = Set(allHeaders.map(\.featureNames))
        return names.count == 1 ? names.first : nil
    }

    /// The data instance of every located point, when they all share one.
    var sharedDataKey: String? {
        let keys = Set(allHeaders.map(\.dataKey))
        return keys.count == 1 && !locations.contains(where: { $0 == nil }) ? keys.first : nil
    }

    private func union(_ lists: [[String]]) -> [String] {
        var seen = Set<String>(), result: [String] = []
        for list in lists { for name in list where seen.insert(name).inserted { result.append(name) } }
        return result
    }
}

extension PointGatherer {
    /// The summary: one row per point, one column per coordinate (and `stage`
    /// when several fit stages are gathered), then status, stop, steps, lr and
    /// the final metrics. Built in one pass over the batch files; `visit` sees
    /// every batch record with its output rows on the way (the results writer
    /// streams the per-point arrays from there).
    func summary(visit: ((TrainedBatch, [(output: Int, row: Int)]) throws -> Void)? = nil) throws -> (table: Table, roles: [SummaryRole]) {
        let count = points.count
        // Only what the table needs of each instance (a sweep's instances, with
        // their parameters, would hold kilobytes per point).
        var coordinatesOfPoint: [[Coordinate]] = [], stages: [String] = []
        coordinatesOfPoint.reserveCapacity(count)
        stages.reserveCapacity(count)
        for point in points {
            let instance = plan.instances[point]
            coordinatesOfPoint.append(instance.coordinates)
            stages.append(instance.stage)
        }
        var table = Table()
        var roles: [SummaryRole] = []

        // Coordinates, in order of first appearance.
        var coordinateNames: [String] = [], seen = Set<String>()
        var coordinateRoles: [String: CoordinateRole] = [:]
        for coordinates in coordinatesOfPoint {
            for c in coordinates where seen.insert(c.name).inserted {
                coordinateNames.append(c.name)
                coordinateRoles[c.name] = c.role
            }
        }
        for name in coordinateNames {
            switch coordinateRoles[name, default: .swept] {
            case .swept: roles.append(.coordinate)
            case .replicate: roles.append(.replicate)
            case .fold: roles.append(.fold)
            }
            let values = coordinatesOfPoint.map { coordinates in coordinates.first { $0.name == name }?.value }
            if values.allSatisfy({ $0 == nil || $0?.number != nil }) {
                table.append(name, .numbers(values.map { $0?.number ?? .nan }))
            } else {
                table.append(name, .strings(values.map { $0.map(\.description) ?? "" }))
            }
        }
        if Set(stages).count > 1 {
            table.append("stage", .strings(stages))
            roles.append(.stage)
        }

        var status = points.map { failures[$0] != nil ? "failed" : "" }
        var stop = [String](repeating: "", count: count)
        var steps = [Double](repeating: .nan, count: count), rates = [Double](repeating: .nan, count: count)
        var times = [Double](repeating: .nan, count: count), converged = [Double](repeating: .nan, count: count)
        let metricNames = self.metricNames
        var metrics = [[Double]](repeating: [Double](repeating: .nan, count: count), count: metricNames.count)
        try forEachBatch { record, rows in
            // Every batch's metrics are among the union `metricNames`.
            let columnOf = record.metricNames.map { metricNames.firstIndex(of: $0) }
            for (output, row) in rows {
                status[output] = record.status[row]
                stop[output] = record.stop[row]
                steps[output] = record.steps[row]
                rates[output] = record.learningRates[row]
                times[output] = record.times[row]
                converged[output] = record.converged[row]
                for (index, column) in columnOf.enumerated() {
                    if let column { metrics[column][output] = record.metrics[row][index] }
                }
            }
            try visit?(record, rows)
        }
        typealias Outcome = ResultsLayout.Outcome
        table.append(Outcome.status, .strings(status))
        table.append(Outcome.stop, .strings(stop))
        table.append(Outcome.converged, .numbers(converged))
        table.append(Outcome.steps, .numbers(steps))
        table.append(Outcome.lr, .numbers(rates))
        table.append(Outcome.time, .numbers(times))
        roles += [.outcome, .outcome, .outcome, .outcome, .outcome, .outcome]
        for (index, name) in metricNames.enumerated() {
            table.append(name, .numbers(metrics[index]))
            roles.append(.metric)
        }
        // Gathered samples: their metrics after the denoiser's.
        var sampleColumns: [(name: String, values: [Double])] = []
        try forEachSampleSet { output, samples in
            for (name, value) in zip(samples.metricNames, samples.metrics) {
                if !sampleColumns.contains(where: { $0.name == name }) {
                    sampleColumns.append((name, [Double](repeating: .nan, count: count)))
                }
                let column = sampleColumns.firstIndex { $0.name == name }!
                sampleColumns[column].values[output] = value
            }
        }
        for (name, values) in sampleColumns {
            table.append(name, .numbers(values))
            roles.append(.metric)
        }
        return (table, roles)
    }

    var gathersSamples: Bool { !sampleKeys.isEmpty }

    /// Every gathered sample instance's samples, by output position, read from the cache one at a time.
    func forEachSampleSet(_ body: (Int, SampleArtifact) throws -> Void) throws {
        for (output, key) in sampleKeys.sorted(by: { $0.key < $1.key }) where locations[output] != nil {
            let what = plan.instances[points[output]].identity
            guard let artifact = try cache.loadArtifact(key: key, what: what), let samples = artifact.samples else {
                throw cache.discard(cache.objectPath(key), what: what, reason: "missing")
            }
            try body(output, samples)
        }
    }

    /// The gathered points as the Report module reads a results file: the
    /// summary and the trajectories (for the export and plot ops).
    func results(name: String) throws -> Results {
        let steps = recordedSteps
        let stepIndex = Dictionary(uniqueKeysWithValues: steps.enumerated().map { ($1, $0) })
        let names = metricNames
        var trajectories = names.map { _ in [[Double]](repeating: [Double](repeating: .nan, count: steps.count), count: points.count) }
        let (table, roles) = try summary { record, rows in
            // Every batch's metrics and steps are among the unions `names` and `steps`.
            for (index, metric) in record.metricNames.enumerated() {
                guard let column = names.firstIndex(of: metric) else { continue }
                for (output, row) in rows {
                    for (position, step) in record.recordedSteps.enumerated() {
                        if let at = stepIndex[step] { trajectories[column][output][at] = record.trajectories[index][row][position] }
                    }
                }
            }
        }
        return Results(path: name, attributes: [(ResultsLayout.Attribute.name, plan.spec.name)], summary: table,
                       roles: Dictionary(uniqueKeysWithValues: zip(table.names, roles)), steps: steps,
                       trajectories: steps.isEmpty ? [] : Array(zip(names, trajectories)).map { ($0.0, $0.1) })
    }
}
