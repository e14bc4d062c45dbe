import Foundation
import HDF5
import LinearAlgebra

extension Dataset {
    /// Loads X and y from datasets of an HDF5 file.
    ///
    /// X is n × d of any integer or float type (read as Float64; a 1-D X is one
    /// feature), or an image stack n × h × w, read as n rows of h·w pixels with
    /// `imageShape` [h, w] (as is an n × h·w X given `imageShape`); y has n values
    /// (1-D, or n × 1). An image stack's labels may be absent: with no dataset
    /// at `y`, its targets are NaN (no labels). Feature names come from the
    /// 1-D string dataset `features` when given, else from X's `feature_names`
    /// attribute (regime writes one), else `x1`…`xd`. NaN and infinite values are
    /// an error naming the dataset, row and column, unless `dropNonFinite` drops
    /// their rows. Every HDF5 failure becomes a `DataError` naming file and object.
    public static func loadHDF5(path: String, x xPath: String, y yPath: String, features featuresPath: String? = nil,
                                imageShape givenShape: [Int]? = nil, dropNonFinite: Bool = false,
                                locking: FileLocking = .auto) throws -> (Dataset, LoadReport) {
        do {
            let file = try File.open(path, mode: .readOnly, locking: locking)
            defer { try? file.close() }
            let xSet = try numericDataset(file, xPath, role: "X")
            let xShape = try xSet.shape
            guard xShape.count == 1 || xShape.count == 2 || xShape.count == 3 else {
                throw DataError(file: path, place: .hdf5(object: xSet.path),
                                message: "X must be 2-D (n × d) or an image stack (n × h × w), this dataset has shape \(xShape)")
            }
            let n = xShape[0]
            let (d, overflow) = xShape.count == 3 ? xShape[1].multipliedReportingOverflow(by: xShape[2]) : (xShape.count == 2 ? xShape[1] : 1, false)
            guard !overflow else {
                throw DataError(file: path, place: .hdf5(object: xSet.path), message: "images of \(xShape[1]) × \(xShape[2]) pixels are too large")
            }
            var imageShape = givenShape
            if xShape.count == 3 {
                imageShape = Array(xShape.dropFirst())
                if let givenShape, givenShape != imageShape! {
                    throw DataError(file: path, place: .hdf5(object: xSet.path),
                                    message: "holds \(xShape[1]) × \(xShape[2]) images, but image_shape says \(givenShape.map(String.init).joined(separator: " × "))")
                }
            } else if let givenShape, givenShape.reduce(1, *) != d {
                throw DataError(file: path, place: .hdf5(object: xSet.path),
                                message: "rows of \(d) values cannot be \(givenShape.map(String.init).joined(separator: " × ")) images (image_shape)")
            }
            // An image stack without labels: no dataset at y.
            if imageShape != nil, try !file.contains(yPath) {
                let x = try xSet.readDoubles()
                guard n > 0, d > 0 else {
                    throw DataError(file: path, place: .hdf5(object: xSet.path), message: "X is empty (shape \(xShape))")
                }
                if !allFinite(x), let bad = x.firstIndex(where: { !$0.isFinite }) {
                    throw DataError(file: path, place: .hdf5(object: xSet.path),
                                    message: "image \(bad / d), pixel \(bad % d) holds \(x[bad])")
                }
                let data = Dataset(x: Matrix(rows: n, columns: d, storage: x), y: Array(repeating: .nan, count: n),
                                   imageShape: imageShape)
                return (data, LoadReport(rowsRead: n, rowsDropped: 0))
            }
            let ySet = try numericDataset(file, yPath, role: "y")
            let yShape = try ySet.shape
            guard yShape.count == 1 || (yShape.count == 2 && yShape[1] == 1) else {
                throw DataError(file: path, place: .hdf5(object: ySet.path),
                                message: "y must be 1-D (or n × 1), this dataset has shape \(yShape)")
            }
            guard yShape[0] == n else {
                throw DataError(file: path, place: .hdf5(object: ySet.path),
                                message: "y has \(yShape[0]) values but X (\(xSet.path)) has \(n) rows")
            }
            guard n > 0, d > 0 else {
                throw DataError(file: path, place: .hdf5(object: xSet.path), message: "X is empty (shape \(xShape))")
            }
            var x = try xSet.readDoubles()
            var y = try ySet.readDoubles()

            var names: [String]? = nil
            if let featuresPath {
                let set = try file.openDataset(featuresPath)
                names = try set.readStrings()
                guard names!.count == d else {
                    throw DataError(file: path, place: .hdf5(object: set.path),
                                    message: "\(names!.count) feature names for \(d) columns of X")
                }
            } else if try xSet.hasAttribute("feature_names"), case .strings(let list) = try xSet.attribute("feature_names"),
                      list.count == d {
                names = list
            }

            // Non-finite values: an error at the first, or drop their rows.
            // A scan that vectorizes finds the common case, all finite, at memory speed.
            let rowsToCheck = allFinite(x) && allFinite(y) ? 0..<0 : 0..<n
            var keep: [Int] = rowsToCheck.isEmpty ? Array(0..<n) : []
            keep.reserveCapacity(n)
            for i in rowsToCheck {
                var finite = y[i].isFinite
                if !finite, !dropNonFinite {
                    throw DataError(file: path, place: .hdf5(object: ySet.path),
                                    message: "row \(i) holds \(y[i]) (drop_nonfinite: true drops such rows)")
                }
                for j in 0..<d where !x[i * d + j].isFinite {
                    finite = false
                    if !dropNonFinite {
                        throw DataError(file: path, place: .hdf5(object: xSet.path),
                                        message: "row \(i), column \(j) holds \(x[i * d + j]) (drop_nonfinite: true drops such rows)")
                    }
                }
                if finite { keep.append(i) }
            }
            if keep.count < n {
                guard !keep.isEmpty else {
                    throw DataError(file: path, message: "all \(n) rows hold NaN or infinite values")
                }
                x = keep.flatMap { x[($0 * d)..<(($0 + 1) * d)] }
                y = keep.map { y[$0] }
            }
            let data = Dataset(x: Matrix(rows: keep.count, columns: d, storage: x), y: y, featureNames: names,
                               imageShape: imageShape)
            return (data, LoadReport(rowsRead: n, rowsDropped: n - keep.count))
        } catch let error as HDF5Error {
            throw DataError(file: path, place: error.object.map { .hdf5(object: $0) },
                            message: error.function.hasPrefix("H5") ? "\(error.function): \(error.message)" : error.message)
        }
    }

    private static func numericDataset(_ file: File, _ path: String, role: String) throws -> HDF5.Dataset {
        guard try file.kind(of: path) == .dataset else {
            let exists = try file.contains(path)
            let listing = try datasetPaths(in: file).prefix(12).joined(separator: ", ")
            throw DataError(file: file.filePath, place: .hdf5(object: path.hasPrefix("/") ? path : "/" + path),
                            message: (exists ? "is not a dataset" : "no dataset here") + " (the \(role) path; datasets in the file: \(listing.isEmpty ? "none" : listing))")
        }
        let set = try file.openDataset(path)
        let stored = try set.storedType
        guard stored.isNumeric else {
            throw DataError(file: file.filePath, place: .hdf5(object: set.path),
                            message: "\(role) must be numeric, this dataset holds \(stored) data")
        }
        return set
    }

    /// Every dataset path in a file, depth first.
    private static func datasetPaths(in container: Container) throws -> [String] {
        var paths: [String] = []
        for name in try container.memberNames() {
            switch try container.kind(of: name) {
            case .dataset: paths.append(container.path == "/" ? "/" + name : container.path + "/" + name)
            case .group: paths += try datasetPaths(in: container.openGroup(name))
            default: break
            }
        }
        return paths
    }

    /// Writes the data set in the layout `loadHDF5` reads by default: /X (n × d),
    /// /y (n), /features (names, also as X's `feature_names` attribute), and, when
    /// known, /truth. Float64, chunked and compressed when large.
    public func writeHDF5(path: String, attributes: [String: String] = [:], locking: FileLocking = .auto) throws {
        let file = try File.create(path, locking: locking)
        for (name, value) in attributes.sorted(by: { $0.key < $1.key }) { try file.setAttribute(name, value) }
        let xSet = try file.write("X", x.storage, shape: [rows, features])
        try xSet.setAttribute("feature_names", featureNames)
        try file.write("y", y)
        try file.writeStrings("features", featureNames)
        if let truth { try file.write("truth", truth) }
        try file.close()
    }
}

/// Whether every value is finite: the exponent bits of none are all ones. An
/// OR over the whole array, which the compiler vectorizes.
func allFinite(_ values: [Double]) -> Bool {
    values.withUnsafeBufferPointer { buffer in
        buffer.withMemoryRebound(to: UInt64.self) { bits in
            var any: UInt64 = 0
            for word in bits { any |= (~word & 0x7FF0_0000_0000_0000) == 0 ? 1 : 0 }
            return any == 0
        }
    }
}
