import HDF5

/// A results file as regime wrote it (DESIGN §3): provenance, the summary, and
/// the trajectories — read through the HDF5 module alone, so any results file
/// works, whoever made it.
public struct Results: Sendable {
    public var path: String
    /// Provenance: the file's attributes in order (regime_version, name, seed,
    /// pipeline, created, …).
    public var attributes: [(name: String, value: String)]
    public var summary: Table
    /// The recorded steps and, per metric, one row of values per point (NaN after a stop).
    public var steps: [Int]
    public var trajectories: [(metric: String, values: [[Double]])]

    public init(path: String, attributes: [(name: String, value: String)], summary: Table, steps: [Int],
                trajectories: [(metric: String, values: [[Double]])]) {
        self.path = path
        self.attributes = attributes
        self.summary = summary
        self.steps = steps
        self.trajectories = trajectories
    }

    /// Reads a results file.
    public init(contentsOf path: String) throws {
        let file = try File.open(path)
        defer { try? file.close() }
        guard try file.kind(of: "summary") == .group else {
            throw ReportError("\(path): no /summary group: not a regime results file")
        }
        var attributes: [(name: String, value: String)] = []
        for name in try file.attributeNames() { attributes.append((name, try file.attribute(name).description)) }
        var summary = Table()
        let group = try file.openGroup("summary")
        for name in try group.memberNames() where name != "point" {
            let set = try group.openDataset(name)
            let shape = try set.shape
            guard shape.count == 1 else {
                throw ReportError("\(path): /summary/\(name) has shape \(shape), not one value per point: not a regime results file")
            }
            let column: Column
            if case .string = try set.storedType {
                column = .strings(try set.readStrings())
            } else {
                column = .numbers(try set.readDoubles())
            }
            if let first = summary.names.first, column.count != summary.rows {
                throw ReportError("\(path): /summary/\(name) holds \(column.count) values but /summary/\(first) holds \(summary.rows)")
            }
            summary.append(name, column)
        }
        var steps: [Int] = []
        var trajectories: [(metric: String, values: [[Double]])] = []
        if try file.kind(of: "trajectories") == .group {
            let group = try file.openGroup("trajectories")
            let stepValues = try group.openDataset("step").readDoubles()
            guard stepValues.allSatisfy({ $0.isFinite && $0 >= 0 && $0 < 9e15 }) else {
                throw ReportError("\(path): /trajectories/step holds values that are not step counts")
            }
            steps = stepValues.map { Int($0) }
            for name in try group.memberNames() where name != "step" && name != "point" {
                let set = try group.openDataset(name)
                let shape = try set.shape
                guard shape == [summary.rows, steps.count] else {
                    throw ReportError("\(path): /trajectories/\(name) has shape \(shape), not points × steps = [\(summary.rows), \(steps.count)]")
                }
                let flat = try set.readDoubles()
                let width = steps.count
                trajectories.append((name, (0..<shape[0]).map { Array(flat[($0 * width)..<(($0 + 1) * width)]) }))
            }
        }
        self.init(path: path, attributes: attributes, summary: summary, steps: steps, trajectories: trajectories)
    }

    public func attribute(_ name: String) -> String? { attributes.first { $0.name == name }?.value }

    public func trajectory(_ metric: String) -> [[Double]]? { trajectories.first { $0.metric == metric }?.values }

    /// The columns that say where a point is in the sweep (everything that is
    /// not a status field or a metric): the coordinates, and `stage`.
    public var coordinateNames: [String] {
        guard let first = summary.names.firstIndex(of: "status") else { return [] }
        return Array(summary.names[..<first])
    }

    /// The final metrics (numeric columns after the status fields).
    public var metricNames: [String] {
        guard let lr = summary.names.firstIndex(of: "lr") else { return [] }
        return Array(summary.names[(lr + 1)...])
    }
}
