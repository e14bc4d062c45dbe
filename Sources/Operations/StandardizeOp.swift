import Datasets
import Pipeline

/// `standardize`: centre and scale with training statistics only.
struct StandardizeOp: InstanceOperation {
    let name = "standardize"
    let summary = "Centres and scales the features and centres y with statistics of the training rows only, applied unchanged to the test rows."
    let output = ArtifactKind.data
    let inputs = [InputSlot("input", accepts: .data, doc: "The data to standardize.")]

    let schema = Schema([
        KeySpec("center", .boolean, .defaulted(.bool(true)), doc: "Subtract the training mean of each feature."),
        KeySpec("scale", .boolean, .defaulted(.bool(true)),
                doc: "Divide each feature by its training standard deviation (ddof 0; 1 for a constant feature)."),
        KeySpec("center_target", .boolean, .defaulted(.bool(true)), doc: "Subtract the training mean of y."),
    ])

    /// The stage's parameters, typed.
    struct Parameters {
        var center: Bool, scale: Bool, centerTarget: Bool

        init(_ values: ValueMap) throws(ParameterError) {
            let p = ParameterReader(values)
            center = try p.bool("center")
            scale = try p.bool("scale")
            centerTarget = try p.bool("center_target")
        }
    }

    func decodes(_ parameters: ValueMap) throws(ParameterError) { _ = try Parameters(parameters) }

    func run(_ instance: StageInstance, inputs: [String: [Artifact]], context: ExecutionContext) throws -> Artifact {
        guard let data = inputs["input"]?.first?.data else { preconditionFailure("standardize without data") }
        let p = try Parameters(instance.parameters)
        do throws(NumericRangeError) {
            let fitted = try Standardization(fitting: data.train, center: p.center, scale: p.scale, centerTarget: p.centerTarget)
            var test: Dataset?
            if let held = data.test { test = try fitted.apply(to: held) }
            return .data(DataArtifact(train: try fitted.apply(to: data.train), test: test))
        } catch {
            throw StageFailure(identity: instance.identity, kind: .input, underlying: error)
        }
    }
}

extension StandardizeOp: DataShaping {
    func shape(of instance: StageInstance, input: DataShape?, spec: PipelineSpec) -> DataShape? { input }
}
