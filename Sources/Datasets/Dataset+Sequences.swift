import HDF5
import LinearAlgebra

extension Dataset {
    /// The rows as sequences, given each sequence's length (an HDF5 dataset
    /// of lengths): every length at least 1, the lengths summing to the rows.
    public func withSequenceLengths(_ lengths: [Double], file: String, object: String) throws -> Dataset {
        let place = DataError.Place.hdf5(object: object)
        for (index, length) in lengths.enumerated() where !(length >= 1 && length == length.rounded() && length < 1e15) {
            throw DataError(file: file, place: place, message: "sequence \(index) has length \(SequenceID.text(length)); every sequence needs at least one token")
        }
        let total = lengths.reduce(0, +)
        guard total == Double(rows) else {
            throw DataError(file: file, place: place, message: "the sequence lengths sum to \(SequenceID.text(total)) tokens, but X has \(rows) rows")
        }
        var data = self
        data.sequenceLengths = lengths.map { Int($0) }
        return data
    }

    /// The rows as sequences, given each sequence's first row (an HDF5 dataset
    /// of offsets, from 0, increasing; a last entry equal to the rows may close it).
    public func withSequenceOffsets(_ offsets: [Double], file: String, object: String) throws -> Dataset {
        let place = DataError.Place.hdf5(object: object)
        guard offsets.first == 0 else {
            throw DataError(file: file, place: place, message: "sequence offsets must start at row 0, not \(offsets.first.map(SequenceID.text) ?? "nothing")")
        }
        var bounds = offsets
        if bounds.last != Double(rows) { bounds.append(Double(rows)) }
        for (index, bound) in bounds.enumerated() where !(bound == bound.rounded() && bound <= Double(rows)) {
            throw DataError(file: file, place: place, message: "offset \(index) is \(bound), not a row of X (0…\(rows))")
        }
        return try withSequenceLengths(zip(bounds, bounds.dropFirst()).map { $1 - $0 }, file: file, object: object)
    }

    /// The rows as sequences, given a column of sequence ids (CSV): each
    /// sequence's rows together, in file order. The column leaves X. Returns
    /// the data and the ids, one per sequence.
    public func withSequenceColumn(_ name: String, file: String) throws -> (Dataset, [Double]) {
        guard let column = featureNames.firstIndex(of: name) else {
            throw DataError(file: file, message: "no column '\(name)' (the sequence column) among the features: \(featureNames.joined(separator: ", "))")
        }
        let ids = x.column(column)
        var lengths: [Int] = [], order: [Double] = [], seen = Set<Double>()
        for (row, id) in ids.enumerated() {
            if let last = order.last, last == id {
                lengths[lengths.count - 1] += 1
                continue
            }
            guard seen.insert(id).inserted else {
                // Line numbers count the header as line 1.
                throw DataError(file: file, place: .csv(line: row + 2, column: column + 1, name: name),
                                message: "sequence \(SequenceID.text(id)) continues here after other sequences; keep each sequence's rows together")
            }
            order.append(id)
            lengths.append(1)
        }
        let kept = (0..<features).filter { $0 != column }
        var storage: [Double] = []
        storage.reserveCapacity(rows * kept.count)
        for i in 0..<rows { for j in kept { storage.append(x[i, j]) } }
        var data = Dataset(x: Matrix(rows: rows, columns: kept.count, storage: storage), y: y, featureNames: kept.map { featureNames[$0] },
                           sequenceLengths: lengths)
        data.imageShape = imageShape
        return (data, order)
    }
}

/// A sequence id (or length) as the user wrote it: an integer without ".0".
public enum SequenceID {
    public static func text(_ x: Double) -> String { x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : String(x) }
}

extension Dataset {
    /// A 1-D dataset of sequence lengths (or offsets) from an HDF5 file.
    public static func readSequenceLengths(path: String, dataset: String, locking: FileLocking = .auto) throws -> [Double] {
        do {
            let file = try File.open(path, mode: .readOnly, locking: locking)
            defer { try? file.close() }
            let set = try file.openDataset(dataset)
            guard try set.shape.count == 1 else {
                throw DataError(file: path, place: .hdf5(object: set.path), message: "sequence lengths must be 1-D, this dataset has shape \(try set.shape)")
            }
            return try set.readDoubles()
        } catch let error as HDF5Error {
            throw DataError(file: path, place: error.object.map { .hdf5(object: $0) }, message: error.message)
        }
    }
}
