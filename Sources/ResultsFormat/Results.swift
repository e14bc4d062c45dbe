import HDF5

/// A results file as regime writes it (docs/results-format.md): provenance,
/// the summary with each column's role, and the trajectories — checked against
/// the contract as it is read, so a damaged or foreign file is refused with the
/// object at fault named, never half-read.
public struct Results: Sendable {
    public var path: String
    /// Provenance: the file's attributes in order (regime_version, name, seed,
    /// pipeline, created, …).
    public var attributes: [(name: String, value: String)]
    public var summary: Table
    /// The role of each summary column, by name.
    public var roles: [String: SummaryRole]
    /// The recorded steps and, per metric, one row of values per point (NaN after a stop).
    public var steps: [Int]
    public var trajectories: [(metric: String, values: [[Double]])]
    /// Generated images (/samples), the first few of each point.
    public var samples: SampleImages?

    public init(path: String, attributes: [(name: String, value: String)], summary: Table, roles: [String: SummaryRole],
                steps: [Int], trajectories: [(metric: String, values: [[Double]])]) {
        self.path = path
        self.attributes = attributes
        self.summary = summary
        self.roles = roles
        self.steps = steps
        self.trajectories = trajectories
    }

    /// Reads a results file.
    public init(contentsOf path: String) throws {
        let file = try File.open(path)
        defer { try? file.close() }
        guard try file.kind(of: "summary") == .group else {
            throw ResultsError("\(path): no /summary group: not a regime results file")
        }
        var attributes: [(name: String, value: String)] = []
        for name in try file.attributeNames() { attributes.append((name, try file.attribute(name).description)) }
        var summary = Table()
        var roles: [String: SummaryRole] = [:]
        let group = try file.openGroup(ResultsLayout.summary)
        for name in try group.memberNames() where name != ResultsLayout.point {
            let set = try group.openDataset(name)
            if try set.hasAttribute(ResultsLayout.roleAttribute) {
                let text = try set.attribute(ResultsLayout.roleAttribute).stringValue ?? ""
                guard let role = SummaryRole(rawValue: text) else {
                    throw ResultsError("\(path): /summary/\(name) has role '\(text)', not one of \(SummaryRole.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                roles[name] = role
            }
            let shape = try set.shape
            guard shape.count == 1 else {
                throw ResultsError("\(path): /summary/\(name) has shape \(shape), not one value per point: not a regime results file")
            }
            let column: Column
            if case .string = try set.storedType {
                column = .strings(try set.readStrings())
            } else {
                column = .numbers(try set.readDoubles())
            }
            if let first = summary.names.first, column.count != summary.rows {
                throw ResultsError("\(path): /summary/\(name) holds \(column.count) values but /summary/\(first) holds \(summary.rows)")
            }
            summary.append(name, column)
        }
        var steps: [Int] = []
        var trajectories: [(metric: String, values: [[Double]])] = []
        if try file.kind(of: "trajectories") == .group {
            let group = try file.openGroup("trajectories")
            let stepValues = try group.openDataset("step").readDoubles()
            guard stepValues.allSatisfy({ $0.isFinite && $0 >= 0 && $0 < 9e15 }) else {
                throw ResultsError("\(path): /trajectories/step holds values that are not step counts")
            }
            steps = stepValues.map { Int($0) }
            for name in try group.memberNames() where name != "step" && name != "point" {
                let set = try group.openDataset(name)
                let shape = try set.shape
                guard shape == [summary.rows, steps.count] else {
                    throw ResultsError("\(path): /trajectories/\(name) has shape \(shape), not points × steps = [\(summary.rows), \(steps.count)]")
                }
                let flat = try set.readDoubles()
                let width = steps.count
                trajectories.append((name, (0..<shape[0]).map { Array(flat[($0 * width)..<(($0 + 1) * width)]) }))
            }
        }
        // Files written before roles were recorded: the columns before `status`
        // locate points (rep and fold replicate), those after `lr` are metrics.
        if roles.isEmpty {
            let statusIndex = summary.names.firstIndex(of: ResultsLayout.Outcome.status) ?? summary.names.count
            let lrIndex = summary.names.firstIndex(of: ResultsLayout.Outcome.lr) ?? summary.names.count - 1
            for (index, name) in summary.names.enumerated() {
                let base = name.split(separator: ".").last.map(String.init) ?? name
                roles[name] = index < statusIndex ? (name == "stage" ? .stage : base == "rep" ? .replicate : base == "fold" ? .fold : .coordinate)
                    : index <= lrIndex ? .outcome : .metric
            }
        }
        self.init(path: path, attributes: attributes, summary: summary, roles: roles, steps: steps, trajectories: trajectories)
        if try file.kind(of: ResultsLayout.samples) == .group {
            samples = try SampleImages(try file.openGroup(ResultsLayout.samples), points: summary.rows, path: path)
        }
    }

    public func attribute(_ name: String) -> String? { attributes.first { $0.name == name }?.value }

    public func trajectory(_ metric: String) -> [[Double]]? { trajectories.first { $0.metric == metric }?.values }

    /// The columns that say where a point is: coordinates, replicates, folds, stage.
    public var coordinateNames: [String] {
        summary.names.filter { roles[$0]?.locates == true }
    }

    /// The final metrics.
    public var metricNames: [String] {
        summary.names.filter { roles[$0] == .metric }
    }

    /// Whether a column indexes replicates or folds, which plots and
    /// aggregates average over.
    public func isReplicate(_ name: String) -> Bool {
        roles[name] == .replicate || roles[name] == .fold
    }
}

/// The images of a results file's /samples group, as a report shows them: per
/// point, its first `SampleImages.shown` samples and their nearest training images.
public struct SampleImages: Sendable {
    /// How many samples of each point are kept.
    public static let shown = 16
    /// [height, width].
    public var shape: [Int]
    /// Per point, per kept sample, the pixels row by row (NaN where a point had fewer).
    public var images: [[[Double]]]
    public var nearest: [[[Double]]]

    init(_ group: Group, points: Int, path: String) throws {
        let set = try group.openDataset(ResultsLayout.Samples.images), near = try group.openDataset(ResultsLayout.Samples.nearestTrain)
        let dims = try set.shape
        guard dims.count == 4, dims[0] == points, try near.shape == dims else {
            throw ResultsError("\(path): /samples/images has shape \(dims), not points × samples × height × width with points = \(points)")
        }
        // A point's row is read whole: refuse sizes no generated sample set has (and products that overflow).
        let (pixels, overflow) = dims[2].multipliedReportingOverflow(by: dims[3])
        let (row, rowOverflow) = pixels.multipliedReportingOverflow(by: dims[1])
        guard !overflow, !rowOverflow, row <= 1 << 26 else {
            throw ResultsError("\(path): /samples/images has shape \(dims): more than 2^26 values per point")
        }
        shape = [dims[2], dims[3]]
        let kept = min(dims[1], SampleImages.shown)
        func read(_ set: HDF5.Dataset) throws -> [[[Double]]] {
            try (0..<points).map { point in
                let row = try set.readRows(point..<(point + 1), as: Double.self)
                return (0..<kept).map { Array(row[($0 * pixels)..<(($0 + 1) * pixels)]) }
            }
        }
        images = try read(set)
        nearest = try read(near)
    }
}