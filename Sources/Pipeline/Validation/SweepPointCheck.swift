/// The checks that involve several keys (`Schema.check`) hold at every point
/// of a sweep, not only for the values written outside it: each combination of
/// the swept values of the keys a check reads is checked. Only those axes are
/// walked, so a sweep over keys the check does not read costs nothing.
enum SweepPointCheck {
    struct Problem {
        var message: String
        /// The swept values that fail, "init_scale=0".
        var point: String
        /// The sweep key (or `zip`, `repeat`) of the first axis involved.
        var axisKey: String
    }

    static func firstProblem(schema: Schema, parameters: ValueMap, sweep: Sweep) -> Problem? {
        for rule in schema.rules {
            if let problem = firstProblem(rule, parameters: parameters, sweep: sweep) { return problem }
        }
        return nil
    }

    /// The first swept point where `rule` fails, walking only the axes it reads.
    static func firstProblem(_ rule: Schema.Rule, parameters: ValueMap, sweep: Sweep) -> Problem? {
        let reads = Set(rule.reads)
        let axes = sweep.axes.filter { axis in Sweep(axes: [axis]).keys.contains { reads.contains($0) } }
        guard !axes.isEmpty else { return nil }
        let involved = Sweep(axes: axes)
        for index in 0..<involved.pointCount {
            var values = parameters
            let point = involved.point(index)
            for (key, value, role) in point where role != .replicate { values[path: key] = value }
            if let problem = rule.check(values).first {
                let axisKey: String
                switch axes[0] {
                case .values(let key, _): axisKey = key
                case .zip: axisKey = "zip"
                case .repeat: axisKey = "repeat"
                case .folds: axisKey = "folds"
                }
                return Problem(message: problem.message,
                               point: point.map { "\($0.key)=\($0.value.canonical)" }.joined(separator: ", "), axisKey: axisKey)
            }
        }
        return nil
    }
}
