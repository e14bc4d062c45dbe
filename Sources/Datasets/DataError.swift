/// Bad input data: names the file and the place — a line and column of a CSV
/// file, or an object path inside an HDF5 file — and what is wrong there.
///
/// Rendered like a compiler diagnostic, `file:line: column 3 ('bmi'): …` for
/// CSV, so an editor can jump to it.
public struct DataError: Error, CustomStringConvertible, Sendable {
    public enum Place: Sendable, Equatable {
        /// A CSV line (1-based, the header is line 1), and optionally a column
        /// (1-based field number) with its header name.
        case csv(line: Int, column: Int?, name: String?)
        /// An object inside an HDF5 file.
        case hdf5(object: String)
    }

    public var file: String
    public var place: Place?
    public var message: String

    public init(file: String, place: Place? = nil, message: String) {
        self.file = file
        self.place = place
        self.message = message
    }

    public var description: String {
        switch place {
        case nil:
            return "\(file): \(message)"
        case .csv(let line, let column, let name)?:
            var text = "\(file):\(line): "
            if let column { text += "column \(column)" + (name.map { " ('\($0)')" } ?? "") + ": " }
            return text + message
        case .hdf5(let object)?:
            return "\(file): \(object): \(message)"
        }
    }
}
