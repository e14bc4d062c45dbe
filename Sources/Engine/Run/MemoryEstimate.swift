import Foundation
import HDF5
import Learning
import Operations
import Pipeline

/// The memory a run of a plan needs at most, by part, computed before
/// anything runs, from the sweep's structure and the data's shapes (read
/// from file headers and parameters, never by loading the data):
///
/// - the plan: content keys and bookkeeping, about 250 bytes per instance;
/// - data: every data instance (rows × (features + 1) doubles), twice, as
///   splitting and standardizing copy their input (the run keeps them);
/// - training: `jobs` batches at once, each the trainer's buffers
///   ((5·d + 2·n + m)·K for iterates, final weights and predictions, this
///   step's and the next; n·d for
///   SGD's reshuffled copy of X; n² + 3·n·K in the row space) and its trajectories (K × metrics × recorded steps) and
///   final weights, which exist five times over while a batch is trained,
///   collected, recorded and sealed into the cache;
/// - outputs: the summary (a few hundred bytes per point) and, for plots and
///   trajectory exports, every trajectory at once.
///
/// It is an upper bound of the right order, not a measurement: it refuses a
/// run that cannot fit, with the part to blame and the keys to change.
public struct MemoryEstimate: Sendable {
    public struct Part: Sendable {
        /// "fit trajectories", "data", …
        public var name: String
        public var bytes: Double
        /// What makes it that large, in words.
        public var detail: String
        /// What to change to make it smaller.
        public var remedy: String
    }

    public var parts: [Part]
    public var total: Double { parts.reduce(0) { $0 + $1.bytes } }
    /// The part that dominates.
    public var largest: Part? { parts.max { $0.bytes < $1.bytes } }

    /// The estimate for running `plan` with `jobs` units at once.
    public static func of(_ plan: Plan, jobs: Int) throws -> MemoryEstimate {
        var parts: [Part] = []
        parts.append(Part(name: "the plan", bytes: 250 * Double(plan.count),
                          detail: "\(plan.count) stage instances", remedy: "sweep fewer values"))

        // Data instances, by shape.
        var shapes: [Int: DataShape] = [:]
        var dataBytes = 0.0
        var largestData: (stage: String, shape: DataShape)?
        for expansion in plan.expansions where expansion.stage.operation.output.isData {
            guard let operation = expansion.stage.operation as? any DataShaping else { continue }
            for index in expansion.range {
                let instance = plan.instance(index)
                let input = instance.inputs("input").first.flatMap { shapes[$0] }
                guard let shape = operation.shape(of: instance, input: input, spec: plan.spec) else { continue }
                shapes[index] = shape
                dataBytes += 2 * shape.bytes
                if shape.bytes > largestData?.shape.bytes ?? -1 { largestData = (expansion.stage.id, shape) }
            }
        }
        if let largestData {
            let remedy = plan.expansion(of: largestData.stage)?.stage.operation.name == "synthesize"
                ? "lower \(largestData.stage).n or \(largestData.stage).d" : "use a smaller data file"
            parts.append(Part(name: "data", bytes: dataBytes,
                              detail: "the largest instance, \(largestData.stage), holds \(largestData.shape.rows) rows × \(largestData.shape.features) features",
                              remedy: remedy))
        }

        // Training: the most demanding batch, `jobs` of them at once.
        var worst: (bytes: Double, trajectories: Double, detail: String, stage: String)?
        let groups = try FitBatching.groups(plan)
        for group in groups {
            guard group.size > 0 else { continue }
            let row = group.expansion.rows[group.row]
            let data = row.inputs.first { $0.slot == "input" }?.instances.first ?? row.upstream
            guard let data, let shape = shapes[data] else { continue }
            let width = FitBatching.pieces(group.size, width: plan.spec.batchWidth).max() ?? 0
            let k = Double(width), n = Double(shape.trainRows), m = Double(shape.testRows), d = Double(shape.features)
            let every = group.batchKey.recordEvery
            let recorded = every > 0 ? Double(group.maximumSteps / every + 1) : 0
            let metrics = 16.0 + Double(row.inputs.first { $0.slot == "compare" }?.instances.count ?? 0) * 4
            // The trainer reads X in place; SGD keeps a reshuffled copy, the
            // linear model in the row space K = XXᵀ and three n × K matrices.
            var trainer = 8 * ((5 * d + 2 * n + m) * k)
            if case .sgd = group.batchKey.method { trainer += 8 * n * d }
            // Method flow: per point CVODE's n × n Jacobian and its saved copy;
            // shared, X·diag(√w′) and its Gram matrix.
            if case .flow = group.batchKey.method { trainer += 8 * (2 * n * n * k + n * d + n * n) }
            if group.batchKey.model == .linear, n < d, !group.batchKey.method.isFlow { trainer += 8 * (n * n + 3 * n * k) }
            if let steps = shape.steps {
                // A denoiser batch: per step, the eigenbasis of a q × q Gram
                // matrix and q × m projections (kept for every step), the
                // features of one step's pairs, and each point's W_t.
                let parameters = group.expansion.stage.parameters
                var widths = [parameters["features"]?.number ?? 256]
                for case .values(let key, let values) in group.expansion.sweep.axes where key == "features" {
                    widths += values.compactMap(\.number)
                }
                let q = parameters["model"]?.string == "random_features" || widths.count > 1 ? widths.max()! : d
                let t = Double(steps), pairs = n / (2 * t)
                trainer = 8 * (t * (q * q + 3 * q * d) + 2 * pairs * q + q * q + k * t * q * d)
            }
            let trajectories = 8 * 5 * (recorded * metrics * k + d * k)
            let bytes = trainer + trajectories
            if bytes > worst?.bytes ?? -1 {
                let detail = "\(width) points × \(Int(metrics)) metrics × \(Int(recorded)) recorded steps per batch, on \(shape.trainRows) × \(shape.features) data"
                worst = (bytes, trajectories, detail, group.stage)
            }
        }
        if let worst {
            let concurrent = Double(max(1, jobs))
            let stage = worst.stage
            let remedy = worst.trajectories > worst.bytes / 2
                ? "record less often (\(stage).record.every), train fewer steps (\(stage).optimizer.steps), or lower batch_width or --jobs"
                : "lower batch_width or --jobs"
            parts.append(Part(name: "training", bytes: worst.bytes * concurrent,
                              detail: worst.detail + (jobs > 1 ? ", \(jobs) batches at once" : ""), remedy: remedy))
        }

        // Outputs.
        for expansion in plan.expansions where expansion.stage.operation.gathers {
            let points = Double(expansion.rows.first?.inputs.reduce(0) { $0 + $1.instances.count } ?? 0)
            var bytes = 400 * points
            let parameters = expansion.stage.parameters
            let allTrajectories = expansion.stage.operation.name == "plot" || parameters["trajectories"]?.bool == true
                && expansion.stage.operation.name == "export"
            if allTrajectories {
                let recorded = groups.map { group -> Double in
                    let every = group.batchKey.recordEvery
                    return every > 0 ? Double(group.maximumSteps / every + 1) : 0
                }.max() ?? 0
                bytes += 8 * 16 * recorded * points
            }
            parts.append(Part(name: "output \(expansion.stage.id)", bytes: bytes, detail: "\(Int(points)) points",
                              remedy: allTrajectories ? "record less often, or plot final metrics instead of trajectories" : "sweep fewer values"))
        }
        return MemoryEstimate(parts: parts)
    }

    /// "7.5 TB" (decimal units, three significant digits).
    public static func format(_ bytes: Double) -> String {
        let units = ["bytes", "kB", "MB", "GB", "TB", "PB", "EB"]
        var value = bytes, unit = 0
        while value >= 1000, unit < units.count - 1 {
            value /= 1000
            unit += 1
        }
        if unit == 0 { return "\(Int(value)) bytes" }
        return String(format: value >= 100 ? "%.0f %@" : value >= 10 ? "%.1f %@" : "%.2f %@", value, units[unit])
    }

    /// One line for `check`, or nil when nothing is worth mentioning.
    public var summary: String {
        guard let largest else { return "memory: negligible" }
        return "memory: about \(MemoryEstimate.format(total)) at most (\(largest.name): \(largest.detail))"
    }

    /// The refusal when the estimate exceeds `limit` (what is available, or --memory).
    public func problem(limit: MemoryLimit) -> Refusal? {
        guard total > limit.bytes, let largest else { return nil }
        return Refusal(description: "this run needs about \(MemoryEstimate.format(total)) of memory, more than \(limit.source) (\(MemoryEstimate.format(limit.bytes))): "
            + "\(largest.name) takes \(MemoryEstimate.format(largest.bytes)) (\(largest.detail)); \(largest.remedy), or set --memory")
    }

    /// A run refused before it started, for want of memory.
    public struct Refusal: Error, CustomStringConvertible, Sendable {
        public var description: String
    }
}

/// How much memory a run may use, and where that figure comes from.
public struct MemoryLimit: Sendable {
    public var bytes: Double
    /// "--memory" or "the memory available", for the message.
    public var source: String

    public init(bytes: Double, source: String) {
        self.bytes = bytes
        self.source = source
    }
}

/// What the machine can give a run: the smaller of the memory the kernel
/// reports available and the limit of the process's cgroup (Slurm and
/// containers set one).
public enum AvailableMemory {
    public static func bytes() -> Double? {
        var limits: [Double] = []
        if let text = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8),
           let line = text.split(separator: "\n").first(where: { $0.hasPrefix("MemAvailable:") }),
           let kilobytes = Double(line.split(separator: " ").dropFirst().first ?? "") {
            limits.append(kilobytes * 1024)
        }
        for path in ["/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"] {
            if let text = try? String(contentsOfFile: path, encoding: .utf8),
               let limit = Double(text.trimmingCharacters(in: .whitespacesAndNewlines)), limit < 1e18 {
                limits.append(limit)
            }
        }
        return limits.min()
    }

    /// Parses a size such as 512M, 4G, 1.5T or 2000000000 (bytes; binary units).
    public static func parse(_ text: String) -> Double? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).uppercased()
        let kib = 1024.0
        let units: [(String, Double)] = [("TB", kib * kib * kib * kib), ("GB", kib * kib * kib), ("MB", kib * kib), ("KB", kib),
                                         ("T", kib * kib * kib * kib), ("G", kib * kib * kib), ("M", kib * kib), ("K", kib), ("B", 1)]
        for (suffix, factor) in units where trimmed.hasSuffix(suffix) {
            guard let value = Double(trimmed.dropLast(suffix.count).trimmingCharacters(in: .whitespaces)), value > 0 else { return nil }
            return value * factor
        }
        guard let value = Double(trimmed), value > 0 else { return nil }
        return value
    }
}
