import Foundation
import HDF5

/// What a results file records about where it came from (its root attributes).
public struct Provenance: Sendable {
    public var regimeVersion: String
    public var name: String
    public var seed: UInt64
    /// The pipeline text, as read (before `--set`).
    public var pipeline: String
    public var pipelineFile: String
    public var overrides: [String]
    public var description: String?
    public var numericsVersion: Int
    /// OpenBLAS's build configuration: results are bit-identical only for the same kernels.
    public var blas: String
    /// Every stage's resolved parameters, as JSON.
    public var resolved: String
    /// The content key of the write stage.
    public var key: String

    public init(regimeVersion: String, name: String, seed: UInt64, pipeline: String, pipelineFile: String,
                overrides: [String], description: String?, numericsVersion: Int, blas: String, resolved: String, key: String) {
        self.regimeVersion = regimeVersion
        self.name = name
        self.seed = seed
        self.pipeline = pipeline
        self.pipelineFile = pipelineFile
        self.overrides = overrides
        self.description = description
        self.numericsVersion = numericsVersion
        self.blas = blas
        self.resolved = resolved
        self.key = key
    }
}

/// What the per-point arrays of a results file look like, decided before the
/// first point is written.
public struct ResultsShape: Sendable {
    public var points: Int
    /// The feature names when every point has the same; nil when d differs
    /// (weights, truth and references are then groups of one dataset per point).
    public var features: [String]?
    /// The recorded steps (the union over points); empty: no trajectories.
    public var steps: [Int]
    /// The metrics with a trajectory.
    public var metrics: [String]
    public var weights: Bool
    public var truth: Sharing?
    /// The references, each shared by every point (one data set, fixed) or per point.
    public var references: [(name: String, sharing: Sharing)]
    /// The most consecutive points whose rows arrive interleaved (the points of
    /// one batch spread over this many): the per-point datasets' chunk caches
    /// hold twice this many rows.
    public var rowsDealtTogether: Int

    /// Whether an array is one for the whole file (d values) or one per point (P × d).
    public enum Sharing: Sendable { case shared, perPoint }

    public init(points: Int, features: [String]?, steps: [Int], metrics: [String], weights: Bool, truth: Sharing?,
                references: [(name: String, sharing: Sharing)], rowsDealtTogether: Int = 256) {
        self.rowsDealtTogether = rowsDealtTogether
        self.points = points
        self.features = features
        self.steps = steps
        self.metrics = metrics
        self.weights = weights
        self.truth = truth
        self.references = references
    }
}

/// Writes a results file in the layout of docs/results-format.md: provenance
/// attributes, dimension scales, per-point arrays made up front and filled
/// row by row (so memory is one point's rows, not the sweep's), then the
/// summary with each column's role. The caller creates and closes the file
/// (`File.withNew`, inside `DurableFile.replace`).
public final class ResultsFileWriter {
    let file: File
    let shape: ResultsShape
    private var weights: HDF5.Dataset?
    private var truth: HDF5.Dataset?
    private var referenceGroup: Group?
    private var references: [String: HDF5.Dataset?] = [:]
    private var trajectories: [String: HDF5.Dataset] = [:]
    private let stepIndex: [Int: Int]
    private var writtenShared = Set<String>()

    public init(file: File, shape: ResultsShape, provenance: Provenance) throws {
        self.file = file
        self.shape = shape
        stepIndex = Dictionary(uniqueKeysWithValues: shape.steps.enumerated().map { ($1, $0) })
        try ResultsFileWriter.write(provenance, into: file)
        let count = shape.points
        var pointScale: HDF5.Dataset?, featureScale: HDF5.Dataset?
        if let features = shape.features, !features.isEmpty, count > 0 {
            pointScale = try file.write(ResultsLayout.point, (0..<count).map { Int64($0) })
            try pointScale!.makeDimensionScale(named: ResultsLayout.point)
            featureScale = try file.writeStrings(ResultsLayout.feature, features)
            try featureScale!.makeDimensionScale(named: ResultsLayout.feature)
        }
        func perPoint(_ name: String, in container: Container) throws -> HDF5.Dataset? {
            guard let features = shape.features else {
                try container.createGroup(name)
                return nil
            }
            // Chunked without deflate: final weights are full-precision noise
            // to zlib (1.3:1 at level 1, 40 ms per 1.6 MB — most of writing a
            // 100-point ridge path); trajectories, which compress, keep it.
            let dimensions = [count, features.count]
            let chunks = Storage.chunkShape(for: dimensions, elementSize: MemoryLayout<Double>.stride, extendible: false)
            let set = try container.createDataset(name, of: Double.self, shape: dimensions,
                                                  storage: .chunked(chunks: chunks, deflate: nil, shuffle: false), fill: .nan,
                                                  chunkCacheBytes: ResultsFileWriter.chunkCacheBytes(row: features.count, span: shape.rowsDealtTogether))
            if let pointScale, let featureScale {
                try set.attachDimensionScale(pointScale, toAxis: 0)
                try set.attachDimensionScale(featureScale, toAxis: 1)
            }
            return set
        }
        func shared(_ name: String, in container: Container) throws -> HDF5.Dataset {
            let set = try container.createDataset(name, of: Double.self, shape: [shape.features?.count ?? 0])
            if let featureScale { try set.attachDimensionScale(featureScale, toAxis: 0) }
            return set
        }
        if shape.weights { weights = try perPoint(ResultsLayout.weights, in: file) }
        switch shape.truth {
        case .shared?: truth = try shared(ResultsLayout.truth, in: file)
        case .perPoint?: truth = try perPoint(ResultsLayout.truth, in: file)
        case nil: break
        }
        if !shape.references.isEmpty {
            let group = try file.createGroup(ResultsLayout.references)
            referenceGroup = group
            for (name, sharing) in shape.references {
                references[name] = sharing == .shared ? try shared(name, in: group) : try perPoint(name, in: group)
            }
        }
        if !shape.steps.isEmpty {
            let group = try file.createGroup(ResultsLayout.trajectories)
            let stepScale = try group.write(ResultsLayout.step, shape.steps.map { Int64($0) })
            try stepScale.makeDimensionScale(named: ResultsLayout.step)
            try stepScale.setAttribute(ResultsLayout.timeAttribute, ResultsLayout.timeDescription)
            let point = try group.write(ResultsLayout.point, (0..<count).map { Int64($0) })
            try point.makeDimensionScale(named: ResultsLayout.point)
            for name in shape.metrics {
                let set = try group.createDataset(name, of: Double.self, shape: [count, shape.steps.count], fill: .nan,
                                                  chunkCacheBytes: ResultsFileWriter.chunkCacheBytes(row: shape.steps.count, span: shape.rowsDealtTogether))
                try set.attachDimensionScale(point, toAxis: 0)
                try set.attachDimensionScale(stepScale, toAxis: 1)
                trajectories[name] = set
            }
        }
    }

    /// The chunk cache of a per-point dataset whose rows hold `row` doubles:
    /// twice the rows a batch's points spread over (`span`: a window of 8
    /// batches deals its stretch of points round-robin), so the chunks a
    /// batch writes into stay cached until they are full and each is written
    /// once; from 1 to 32 MiB — bounded, whatever the number of points.
    /// Unwritten rows read as NaN, HDF5's fill value here, so nothing is
    /// written twice and no NaN-filled copy of a dataset is held in memory.
    static func chunkCacheBytes(row: Int, span: Int) -> Int {
        min(32 << 20, max(1 << 20, 2 * span * row * MemoryLayout<Double>.stride))
    }

    /// One point's final weights.
    public func writeWeights(point: Int, _ values: [Double]) throws {
        guard shape.weights else { return }
        try put(values, ResultsLayout.weights, weights, in: file, point: point)
    }

    /// The truth: written once when shared, per point otherwise.
    public func writeTruth(point: Int, _ values: [Double]) throws {
        switch shape.truth {
        case .shared?: if writtenShared.insert(ResultsLayout.truth).inserted { try truth!.write(values) }
        case .perPoint?: try put(values, ResultsLayout.truth, truth, in: file, point: point)
        case nil: break
        }
    }

    /// A reference solution of one point (written once when shared).
    public func writeReference(_ name: String, point: Int, _ values: [Double]) throws {
        guard let group = referenceGroup, let set = references[name] else { return }
        if shape.references.first(where: { $0.name == name })?.sharing == .shared {
            if writtenShared.insert("references/" + name).inserted { try set!.write(values) }
        } else {
            try put(values, name, set, in: group, point: point)
        }
    }

    /// One point's trajectory of a metric, recorded at `steps` (a subset of the
    /// file's steps; the others stay NaN).
    public func writeTrajectory(_ metric: String, point: Int, steps: [Int], values: [Double]) throws {
        guard let set = trajectories[metric] else { return }
        var row = [Double](repeating: .nan, count: shape.steps.count)
        for (position, step) in steps.enumerated() {
            if let column = stepIndex[step] { row[column] = values[position] }
        }
        try set.writeRows(row, at: point)
    }

    /// One denoiser point's weights (`DenoiserWeights.flattened`: per step W
    /// (q × m), b (m), φ̄ (q)) as /denoisers/<point>/weights (T × q × m), bias
    /// (T × m) and center (T × q). Nothing for an empty one (the empirical-optimal denoiser).
    public func writeDenoiser(point: Int, _ values: [Double], steps: Int, outputs m: Int) throws {
        guard steps > 0, m > 0, !values.isEmpty else { return }
        let size = values.count / steps, q = (size - m) / (m + 1)
        guard size * steps == values.count, q * m + m + q == size else {
            throw ResultsError("a denoiser of \(values.count) values is not \(steps) steps of q × \(m) weights")
        }
        let group = try file.contains(ResultsLayout.denoisers) ? try file.openGroup(ResultsLayout.denoisers)
            : try file.createGroup(ResultsLayout.denoisers)
        let own = try group.createGroup(String(point))
        var weights: [Double] = [], bias: [Double] = [], center: [Double] = []
        for t in 0..<steps {
            let base = t * size
            weights += values[base..<(base + q * m)]
            bias += values[(base + q * m)..<(base + q * m + m)]
            center += values[(base + q * m + m)..<(base + size)]
        }
        try own.write("weights", weights, shape: [steps, q, m])
        try own.write("bias", bias, shape: [steps, m])
        try own.write("center", center, shape: [steps, q])
    }

    /// Where the samples of every point go (`prepareSamples`).
    private var sampleSets: (images: HDF5.Dataset, nearest: HDF5.Dataset, index: HDF5.Dataset, perPoint: Int)?

    /// Makes /samples for `perPoint` images of `shape` per point (NaN, and
    /// index −1, where a point has fewer or none), chunked by point and deflated.
    public func prepareSamples(perPoint: Int, imageShape: [Int]) throws {
        let group = try file.createGroup(ResultsLayout.samples)
        let points = shape.points
        let dimensions = [points, perPoint] + imageShape
        let storage = Storage.chunked(chunks: [1, perPoint] + imageShape, deflate: 1, shuffle: true)
        let images = try group.createDataset(ResultsLayout.Samples.images, of: Double.self, shape: dimensions, storage: storage, fill: .nan)
        let nearest = try group.createDataset(ResultsLayout.Samples.nearestTrain, of: Double.self, shape: dimensions, storage: storage,
                                              fill: .nan)
        let index = try group.createDataset(ResultsLayout.Samples.nearestTrainIndex, of: Int64.self, shape: [points, perPoint], fill: -1)
        try images.setAttribute("meaning", "the images each point's denoiser generated: point × sample × height × width")
        try nearest.setAttribute("meaning", "each sample's nearest training image (Euclidean)")
        sampleSets = (images, nearest, index, perPoint)
    }

    /// One point's samples (S × h·w values), their nearest training images, and those images' rows.
    public func writeSamples(point: Int, images: [Double], nearest: [Double], index: [Int]) throws {
        guard let sets = sampleSets else { return }
        let pixels = images.count / max(index.count, 1)
        func padded<T>(_ values: [T], _ width: Int, _ fill: T) -> [T] { values + Array(repeating: fill, count: (sets.perPoint - index.count) * width) }
        try sets.images.writeRows(padded(images, pixels, .nan), at: point)
        try sets.nearest.writeRows(padded(nearest, pixels, .nan), at: point)
        try sets.index.writeRows(padded(index.map(Int64.init), 1, -1), at: point)
    }

    /// The summary, one dataset per column, each with its role.
    public func writeSummary(_ table: Table, roles: [SummaryRole]) throws {
        precondition(roles.count == table.names.count, "one role per column")
        let summary = try file.createGroup(ResultsLayout.summary)
        let point = try summary.write(ResultsLayout.point, (0..<shape.points).map { Int64($0) })
        try point.makeDimensionScale(named: ResultsLayout.point)
        for (index, (name, column)) in zip(table.names, table.columns).enumerated() {
            let set: HDF5.Dataset
            switch column {
            case .numbers(let values): set = try summary.write(name, values)
            case .strings(let values): set = try summary.writeStrings(name, values)
            }
            try set.attachDimensionScale(point, toAxis: 0)
            try set.setAttribute(ResultsLayout.roleAttribute, roles[index].rawValue)
        }
    }

    private func put(_ values: [Double], _ name: String, _ set: HDF5.Dataset?, in container: Container, point: Int) throws {
        if let set { try set.writeRows(values, at: point) } else { try container.write("\(name)/\(point)", values) }
    }

    static func write(_ provenance: Provenance, into file: File) throws {
        typealias A = ResultsLayout.Attribute
        try file.setAttribute(A.regimeVersion, provenance.regimeVersion)
        try file.setAttribute(A.name, provenance.name)
        try file.setAttribute(A.seed, Int64(provenance.seed))
        try file.setAttribute(A.pipeline, provenance.pipeline)
        try file.setAttribute(A.pipelineFile, provenance.pipelineFile)
        try file.setAttribute(A.overrides, provenance.overrides)
        if let description = provenance.description { try file.setAttribute(A.description, description) }
        try file.setAttribute(A.created, ISO8601DateFormatter().string(from: Date()))
        try file.setAttribute(A.numericsVersion, Int64(provenance.numericsVersion))
        try file.setAttribute(A.blas, provenance.blas)
        try file.setAttribute(A.hdf5Version, HDF5Library.version)
        try file.setAttribute(A.resolved, provenance.resolved)
        try file.setAttribute(A.regimeKey, provenance.key)
    }

    /// Reads a finished file back: it opens, and every summary column holds
    /// one value per point.
    public static func verify(_ path: String, points: Int, locking: FileLocking) throws {
        let file = try File.open(path, locking: locking)
        defer { try? file.close() }
        let summary = try file.openGroup(ResultsLayout.summary)
        for name in try summary.memberNames() {
            let shape = try summary.openDataset(name).shape
            guard shape == [points] else {
                throw ResultsError("/summary/\(name) holds shape \(shape), not \(points) values")
            }
        }
    }
}
