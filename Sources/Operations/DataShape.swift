import Pipeline

/// What a data instance holds: training and test rows of `features` columns.
public struct DataShape: Sendable, Equatable {
    public var trainRows: Int
    public var testRows: Int
    public var features: Int
    /// Diffusion pairs: T, the steps the rows are spread over (half of them noise).
    public var steps: Int?
    /// Sequences: the rows (tokens) per sequence, the unit a split counts.
    public var rowsPerUnit: Int?

    public init(trainRows: Int, testRows: Int, features: Int, steps: Int? = nil, rowsPerUnit: Int? = nil) {
        self.trainRows = trainRows
        self.testRows = testRows
        self.features = features
        self.steps = steps
        self.rowsPerUnit = rowsPerUnit
    }

    public var rows: Int { trainRows + testRows }
    /// X and y, as doubles.
    public var bytes: Double { 8 * Double(rows) * Double(features + 1) }
}

/// A data op that can say what shape its output will have without computing it.
public protocol DataShaping {
    func shape(of instance: StageInstance, input: DataShape?, spec: PipelineSpec) -> DataShape?
}

