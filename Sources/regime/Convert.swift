import ArgumentParser
import Base
import Datasets
import Foundation

/// `regime convert`: a CSV file to regime's HDF5 data layout (/X, /y, /features).
struct Convert: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Convert a CSV data set to HDF5 (/X, /y, /features).",
        discussion: "The HDF5 file holds X as n × d Float64, y, and the feature names; `load` reads it with x: /X, y: /y.")

    @Argument(help: "The CSV file (with a header row).")
    var input: String

    @Option(name: .long, help: "The target column.")
    var target: String

    @Option(name: .long, parsing: .upToNextOption, help: "The feature columns, in order (default: every other column).")
    var features: [String] = []

    @Option(name: [.short, .customLong("output")], help: "The HDF5 file to write (default: the input with .h5).")
    var output: String?

    @Flag(name: .long, help: "Drop rows holding NaN, infinite or missing values instead of failing.")
    var dropNonfinite = false

    func run() throws {
        let destination = output ?? ((input as NSString).deletingPathExtension + ".h5")
        try reportingErrors {
            let (data, report) = try Dataset.loadCSV(path: input, target: target,
                                                     features: features.isEmpty ? nil : features,
                                                     dropNonFinite: dropNonfinite)
            try data.writeHDF5(path: destination, attributes: [
                "source": (input as NSString).lastPathComponent,
                "target": target,
                "regime_version": regimeVersion,
            ])
            var line = "wrote \(destination): \(data.rows) rows × \(data.features) features"
            if report.rowsDropped > 0 { line += " (dropped \(report.rowsDropped) of \(report.rowsRead) rows with NaN, infinite or missing values)" }
            print(line)
        }
    }
}
