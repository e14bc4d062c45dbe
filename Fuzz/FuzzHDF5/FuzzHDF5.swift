// libFuzzer harness for the HDF5 loader: Dataset.loadHDF5. A DataError is a
// fine answer; a trap, a huge allocation or a hang is a finding.
//
// Two kinds of input:
// - one that starts with the HDF5 signature is an HDF5 file: written to this
//   process's temporary file as is and loaded with x "X", y "y", features
//   "features" (or nil), dropNonFinite false and true. libhdf5 itself is not
//   instrumented, so mutations of these files are guided by the Swift side only.
// - anything else describes a file (see `generate`), which the harness writes
//   with regime's HDF5 module and then loads with the paths and options the
//   input chooses: many shapes, element types, names, groups and attributes
//   that byte mutations of a real file would rarely reach past HDF5's checksums.
//   With REGIME_FUZZ_SAVE=out.h5 the generated file is kept (scripts/fuzz.sh
//   save), so a crash of this kind becomes a plain .h5 regression file.
//
// Build and run with scripts/fuzz.sh hdf5.

import FuzzSupport
import HDF5
import struct Datasets.Dataset
import struct Datasets.DataError

private let temporary = FuzzFile.path("hdf5")

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHDF5(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = size == 0 ? [] : Array(UnsafeBufferPointer(start: data!, count: size))
    if input.starts(with: hdf5Signature) {
        FuzzFile.write(input, to: temporary)
        if declaresLargeDataset(temporary) { return -1 }
        for features in [nil, "features"] as [String?] {
            for drop in [false, true] {
                load(x: "X", y: "y", features: features, drop: drop)
            }
        }
        return 0
    }
    var stream = ByteStream(input)
    let control = stream.byte()
    guard generate(&stream) else { return -1 }
    FuzzFile.keepCopy(of: temporary)
    let xPaths = ["X", "/X", "grp/X", "X", "X", "grp", "/", "X/"]
    let yPaths = ["y", "/y", "y", "grp/y", "y", "X", "missing", ""]
    let featurePaths: [String?] = [nil, "features", nil, "names", nil, "X", "grp", "features"]
    load(x: xPaths[Int(control) & 7], y: yPaths[Int(control >> 3) & 7],
         features: featurePaths[Int(control >> 5) & 7], drop: control & 0x80 != 0)
    return 0
}

private func load(x: String, y: String, features: String?, drop: Bool) {
    do {
        let (dataset, report) = try Dataset.loadHDF5(path: temporary, x: x, y: y, features: features,
                                                     dropNonFinite: drop, locking: .off)
        precondition(dataset.x.rows == dataset.y.count && dataset.featureNames.count == dataset.x.columns)
        precondition(report.rowsRead - report.rowsDropped == dataset.rows)
        // y is finite, or NaN throughout for an image stack without labels.
        precondition(dataset.y.allSatisfy(\.isFinite) || (dataset.imageShape != nil && dataset.y.allSatisfy(\.isNaN)))
        precondition(dataset.x.storage.allSatisfy(\.isFinite))
    } catch is DataError {
    } catch {
        // The loader promises that every failure is a DataError.
        preconditionFailure("loadHDF5 threw \(type(of: error)), not a DataError: \(error)")
    }
}

/// Writes the file an input describes: up to six objects, each a name from a
/// small set (so X, y and the feature names meet each other) and a kind.
private func generate(_ stream: inout ByteStream) -> Bool {
    let names = ["X", "y", "features", "names", "grp/X", "grp/y", "grp", "X"]
    do {
        let file = try File.create(temporary, locking: .off)
        for _ in 0..<(1 + stream.int(below: 6)) {
            let name = stream.pick(names)
            do {
                switch stream.int(below: 6) {
                case 0, 1:  // numeric, any rank, any element type
                    let shape = Objects.shape(&stream)
                    try Objects.numeric(file, name, shape: shape, type: stream.int(below: 6), &stream)
                case 2:  // X-like: n × d with a feature_names attribute of any kind
                    let shape = [stream.int(below: 6), stream.int(below: 4)]
                    let set = try Objects.numeric(file, name, shape: shape, type: stream.int(below: 6), &stream)
                    try Objects.attribute(set, "feature_names", &stream)
                case 3:  // strings
                    try file.writeStrings(name, (0..<stream.int(below: 6)).map { _ in stream.string() })
                case 4:  // a group
                    try file.createGroup(name)
                default:  // an empty extendible dataset (chunked, unlimited first axis)
                    try file.createDataset(name, of: Double.self, shape: [0] + Objects.shape(&stream, rankBelow: 3),
                                           extendible: true)
                }
            } catch {
                continue  // HDF5 refused this object (name taken, path through a dataset): skip it
            }
        }
        try file.close()
        return true
    } catch {
        return false
    }
}
