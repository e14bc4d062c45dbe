/// regime's version, written into every results file (`regime_version`).
public let regimeVersion = "0.1.0"
