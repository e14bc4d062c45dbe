import Pipeline

/// Every op a pipeline may use. A new op is one file in Ops/ and one line here.
public let regimeOperations = OperationRegistry([
    LoadOp(), SynthesizeOp(), SplitOp(), StandardizeOp(), DiffuseOp(), ReferenceOp(), FitOp(), SampleOp(), WriteOp(), ExportOp(), PlotOp(),
])
