// libFuzzer harness for the results reader: Results(contentsOf:) and the
// renderings of what it read — Table.text, CSV.summary, CSV.trajectories and
// HTMLReport.render (as `regime show`, `export` and `report` do). A thrown error
// is a fine answer; a trap, a huge allocation or a hang is a finding.
//
// Two kinds of input, as in FuzzHDF5:
// - one that starts with the HDF5 signature is a results file, read as is
//   (the corpus holds real results files written by `regime run`);
// - anything else describes a results-like file (see `generate`) that the
//   harness writes with regime's HDF5 module: provenance attributes, a summary
//   whose columns have any name, length, type and rank, trajectories of any
//   shape with or without steps. REGIME_FUZZ_SAVE=out.h5 keeps the generated
//   file (scripts/fuzz.sh save), so a crash becomes a plain .h5 regression file.
//
// Build and run with scripts/fuzz.sh results.

import Foundation
import FuzzSupport
import HDF5
import Report
import ResultsFormat

private let temporary = FuzzFile.path("results")

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzResults(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = size == 0 ? [] : Array(UnsafeBufferPointer(start: data!, count: size))
    if input.starts(with: hdf5Signature) {
        FuzzFile.write(input, to: temporary)
    } else {
        var stream = ByteStream(input)
        guard generate(&stream) else { return -1 }
        FuzzFile.keepCopy(of: temporary)
    }
    if declaresLargeDataset(temporary) { return -1 }
    guard let results = try? Results(contentsOf: temporary) else { return 0 }
    _ = try? results.summary.text()
    _ = try? results.summary.text(columns: Array(results.summary.names.prefix(3)), limit: 2)
    _ = CSV.summary(results.summary)
    _ = CSV.trajectories(results)
    _ = HTMLReport.render(results)
    return 0
}

// Names a results file uses, so that generated files look like real ones.
private let attributeNames = ["regime_version", "name", "seed", "pipeline", "pipeline_file", "overrides", "created",
                              "numerics_version", "blas", "hdf5_version", "description"]
private let summaryNames = ["rho", "init_scale", "l2", "rep", "fold", "stage", "status", "stop", "steps", "lr", "objective",
                            "train_mse", "test_mse", "l1_norm", "l2_norm", "dist_truth", "dist_min_l2", "test_error"]
private let metricNames = ["objective", "train_mse", "test_mse", "l1_norm", "l2_norm", "dist_min_l1", "train_loss"]

/// Writes the results file an input describes.
private func generate(_ stream: inout ByteStream) -> Bool {
    do {
        let file = try File.create(temporary, locking: .off)
        for _ in 0..<stream.int(below: 4) {
            try? Objects.attribute(file, stream.pick(attributeNames), &stream)
        }
        // The summary: columns of one length, now and then one of another length,
        // type or rank.
        let rows = stream.int(below: 7)
        switch stream.int(below: 8) {
        case 0: break  // no summary
        case 1: try? Objects.numeric(file, "summary", shape: [rows], type: 0, &stream)
        default:
            let group = try file.createGroup("summary")
            for _ in 0..<stream.int(below: 8) {
                let name = stream.byte() < 240 ? stream.pick(summaryNames) : stream.string()
                let odd = stream.byte() >= 224
                let length = odd ? stream.int(below: 7) : rows
                do {
                    switch stream.int(below: 5) {
                    case 0: try group.writeStrings(name, (0..<length).map { _ in stream.string() })
                    case 1 where odd: try Objects.numeric(group, name, shape: Objects.shape(&stream), type: stream.int(below: 6), &stream)
                    case 1: try Objects.numeric(group, name, shape: [length], type: stream.int(below: 6), &stream)
                    default: try Objects.numeric(group, name, shape: [length], type: 0, &stream)
                    }
                } catch { continue }
            }
        }
        // Trajectories: `step` and one row per point and metric.
        if stream.byte() & 1 == 1 {
            let group = try file.createGroup("trajectories")
            let steps = stream.int(below: 6)
            switch stream.int(below: 6) {
            case 0: break  // no step dataset
            case 1: try? group.writeStrings("step", (0..<steps).map { _ in stream.string() })
            case 2: try? Objects.numeric(group, "step", shape: Objects.shape(&stream), type: stream.int(below: 6), &stream)
            default: try? Objects.numeric(group, "step", shape: [steps], type: 2 + stream.int(below: 2), &stream)
            }
            for _ in 0..<stream.int(below: 4) {
                let name = stream.pick(metricNames)
                let odd = stream.byte() >= 224
                let shape = odd ? Objects.shape(&stream) : [rows, steps]
                try? Objects.numeric(group, name, shape: shape, type: odd ? stream.int(below: 6) : 0, &stream)
            }
        }
        try file.close()
        return true
    } catch {
        return false
    }
}
