import Base
import Dispatch
import Foundation
import LinearAlgebra
#if canImport(Glibc)
import Glibc
#endif

/// What loading saw besides the data itself.
public struct LoadReport: Sendable, Equatable {
    /// Data rows in the file.
    public var rowsRead: Int
    /// Rows dropped for NaN, infinite or missing values (only with `dropNonFinite`).
    public var rowsDropped: Int

    public init(rowsRead: Int, rowsDropped: Int) {
        self.rowsRead = rowsRead
        self.rowsDropped = rowsDropped
    }
}

extension Dataset {
    /// Loads a CSV file with a header row: `target` names the column of y;
    /// `features` names the columns of X, in order (nil: every other column).
    ///
    /// Cells of the columns used must be decimal numbers (surrounding blanks are
    /// ignored); other columns may hold anything. An empty cell, a missing-value
    /// marker (NA, NaN, NULL, …) or an infinite value is an error naming its line
    /// and column — unless `dropNonFinite`, which drops such rows and counts them
    /// in the report.
    ///
    /// The file is read in blocks of 4 MiB cut at record boundaries (line ends
    /// outside quotes), so memory holds one block besides the data; a block's
    /// records are parsed on every core when it holds no quotes.
    ///
    /// `blockBytes` sets the block size (tests cut small files into many blocks).
    public static func loadCSV(path: String, target: String, features: [String]? = nil,
                               dropNonFinite: Bool = false, blockBytes: Int = 4 << 20) throws -> (Dataset, LoadReport) {
        var isDirectory: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
        guard exists, !isDirectory.boolValue else {
            throw DataError(file: path, message: !exists ? "no such file" : "is a directory, not a CSV file")
        }
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw DataError(file: path, message: "cannot be read: \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        var parser = CSVTableParser(file: path, target: target, features: features, dropNonFinite: dropNonFinite)
        var consumed = 0
        var status = stat()
        if fstat(descriptor, &status) == 0 { parser.expectedBytes = Int(status.st_size) }
        // `pending` holds whole records from a record boundary on, then the
        // bytes just read; what follows the last boundary waits for the next block.
        var pending: [UInt8] = []
        var scanner = RecordScanner()
        let blockSize = max(blockBytes, 1)
        while true {
            let old = pending.count
            pending.append(contentsOf: repeatElement(0, count: blockSize + 1))
            var count = 0
            while count < blockSize {
                let read = pending.withUnsafeMutableBytes { bytes in
                    Glibc.read(descriptor, bytes.baseAddress! + old + count, blockSize - count)
                }
                if read < 0, errno == EINTR { continue }
                if read < 0 { throw DataError(file: path, message: "cannot be read: \(String(cString: strerror(errno)))") }
                if read == 0 { break }
                count += read
            }
            // Keep the bytes read and one 0 after them for the number parser.
            pending.removeLast(blockSize - count)
            let atEnd = count == 0
            try pending.withUnsafeBufferPointer { buffer in
                let records = UnsafeBufferPointer(rebasing: buffer[..<(buffer.count - 1)])
                var (cut, quoted) = scanner.cut(records)
                if atEnd {
                    cut = records.count
                    quoted = memchr(records.baseAddress ?? buffer.baseAddress!, 0x22, records.count) != nil
                }
                if cut > 0 { try parser.parse(buffer, records: 0..<cut, quoted: quoted) }
                consumed = cut
            }
            pending.removeLast()
            pending.removeFirst(consumed)
            if atEnd { break }
        }
        return try parser.finish()
    }

    /// What `regime check` and `plan` need before a run: an upper bound on a
    /// CSV file's data rows (its lines after the first, blank lines and quoted
    /// line breaks included) and the number of columns its first line names.
    /// Reads the file in blocks and keeps none: nil when it cannot be read or is empty.
    public static func csvShapeBound(path: String) -> (rows: Int, columns: Int)? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        let blockSize = 4 << 20
        let block = UnsafeMutableRawPointer.allocate(byteCount: blockSize, alignment: 64)
        defer { block.deallocate() }
        let bytes = block.assumingMemoryBound(to: UInt8.self)
        var firstLine: [UInt8] = [], sawFirstLineEnd = false
        var lineEnds = 0, endsOnLineEnd = true, total = 0
        while true {
            let count = read(descriptor, block, blockSize)
            if count < 0, errno == EINTR { continue }
            guard count >= 0 else { return nil }
            if count == 0 { break }
            total += count
            if !sawFirstLineEnd {
                var index = 0
                while index < count, bytes[index] != 0x0A, bytes[index] != 0x0D { index += 1 }
                firstLine.append(contentsOf: UnsafeBufferPointer(start: bytes, count: index))
                sawFirstLineEnd = index < count
            }
            // A CRLF split across two blocks counts twice: still an upper bound.
            lineEnds += CSVLineEnd.count(bytes, count)
            endsOnLineEnd = bytes[count - 1] == 0x0A || bytes[count - 1] == 0x0D
        }
        guard total > 0 else { return nil }
        let lines = lineEnds + (endsOnLineEnd ? 0 : 1)
        let columns = firstLine.split(separator: 0x2C, omittingEmptySubsequences: false).count
        return (max(lines - 1, 0), columns)
    }

    /// Parses CSV bytes; `file` names them in errors.
    public static func parseCSV(_ bytes: [UInt8], file: String, target: String, features: [String]? = nil,
                                dropNonFinite: Bool = false) throws -> (Dataset, LoadReport) {
        var parser = CSVTableParser(file: file, target: target, features: features, dropNonFinite: dropNonFinite)
        var padded = bytes
        padded.append(0)
        let quoted = bytes.contains(0x22)
        try padded.withUnsafeBufferPointer { buffer in
            try parser.parse(buffer, records: 0..<bytes.count, quoted: quoted)
        }
        return try parser.finish()
    }
}

/// Where records may be cut in CSV bytes that start at a record boundary: at
/// a line end (a line feed, or a carriage return not followed by one) outside
/// quotes, which is where the number of quote characters before it is even (an
/// escaped quote counts twice). The scan resumes where the previous block's
/// stopped, keeping the quote parity, so bytes that hold no boundary (a long
/// quoted field, an unclosed quote) are scanned once, not once per block.
struct RecordScanner {
    /// Bytes of the pending buffer already scanned.
    private var scanned = 0
    /// Whether an odd number of quotes precedes `scanned`.
    private var odd = false
    /// Whether a quote occurs before `scanned`.
    private var quoteBeforeScanned = false

    /// The end of the last record boundary in `bytes` (0 when there is none)
    /// and whether the bytes before it hold a quote; the caller then drops
    /// the bytes before that end.
    mutating func cut(_ bytes: UnsafeBufferPointer<UInt8>) -> (cut: Int, quoted: Bool) {
        guard let base = bytes.baseAddress, bytes.count > scanned else { return (0, false) }
        // A carriage return at the very end may yet be followed by a line feed.
        let limit = base[bytes.count - 1] == 0x0D ? bytes.count - 1 : bytes.count
        var cut = 0, quotedBeforeCut = false
        var sawQuote = quoteBeforeScanned, quoteAfterCut = quoteBeforeScanned
        // Below `limit` a CR always has the byte after it in view.
        func lineEnd(_ index: Int) -> Bool { CSVLineEnd.at(base, index, count: bytes.count) }
        if !odd, scanned < limit, memchr(base + scanned, 0x22, limit - scanned) == nil {
            var index = limit
            while index > scanned, !lineEnd(index - 1) { index -= 1 }
            if index > scanned {
                cut = index
                quotedBeforeCut = sawQuote
                quoteAfterCut = false
            }
        } else {
            for index in scanned..<max(limit, scanned) {
                let byte = base[index]
                if byte == 0x22 {
                    odd.toggle()
                    sawQuote = true
                    quoteAfterCut = true
                } else if !odd, lineEnd(index) {
                    cut = index + 1
                    quotedBeforeCut = sawQuote
                    quoteAfterCut = false
                }
            }
        }
        // The state of what stays after the caller drops bytes[..<cut]; the
        // quote parity at a cut is even, so `odd` carries over.
        scanned = max(limit, scanned) - cut
        quoteBeforeScanned = quoteAfterCut
        return (cut, quotedBeforeCut)
    }
}

/// Builds a data set from CSV records handed to it block by block.
struct CSVTableParser {
    let file: String
    let target: String
    let requestedFeatures: [String]?
    let dropNonFinite: Bool
    /// The file's size, when known: to reserve the data's storage once.
    var expectedBytes: Int?

    private var header: [String] = []
    private var targetColumn = 0
    private var featureColumns: [Int] = []
    private var x: [Double] = []
    private var y: [Double] = []
    private var rowsRead = 0, rowsDropped = 0
    /// The line the next block starts on.
    private var line = 1
    private var sawHeader = false

    init(file: String, target: String, features: [String]?, dropNonFinite: Bool) {
        self.file = file
        self.target = target
        requestedFeatures = features
        self.dropNonFinite = dropNonFinite
    }

    /// Parses the records in `buffer[records]` (whole records; one readable
    /// byte follows them), the header first if it has not been read.
    mutating func parse(_ buffer: UnsafeBufferPointer<UInt8>, records: Range<Int>, quoted: Bool) throws {
        var start = records.lowerBound
        if !sawHeader {
            var reader = CSVReader(file: file, bytes: buffer, range: records, line: line)
            var fields: [CSVReader.Field] = []
            guard let headerLine = try reader.next(into: &fields) else {
                line = reader.position.line  // blank lines only, so far: the next block starts after them
                return
            }
            try readHeader(fields.map { reader.text($0).trimmingCharacters(in: .whitespaces) }, line: headerLine)
            (start, line) = reader.position
            sawHeader = true
            if let expectedBytes, records.count > start, x.isEmpty {
                // Rows of this block's size: the data's storage, reserved once.
                let sample = buffer[start..<min(records.upperBound, start + (1 << 20))]
                let lines = max(1, sample.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) })
                let rows = Int(Double(expectedBytes) / Double(sample.count) * Double(lines) * 1.02) + 16
                x.reserveCapacity(rows * featureColumns.count)
                y.reserveCapacity(rows)
            }
        }
        guard start < records.upperBound else { return }
        // Pieces cut at line feeds, parsed in parallel; one piece when quotes
        // could hide line feeds inside fields.
        var pieces: [(range: Range<Int>, line: Int)] = []
        let workers = quoted ? 1 : max(1, min(ProcessInfo.processInfo.activeProcessorCount, (records.upperBound - start) / (256 << 10)))
        guard let base = buffer.baseAddress else { return }
        var pieceStart = start, pieceLine = line
        for worker in 1...workers {
            var end = worker == workers ? records.upperBound
                : start + (records.upperBound - start) * worker / workers
            if end < records.upperBound {
                if let found = memchr(base + end, 0x0A, records.upperBound - end) {
                    end = base.distance(to: found.assumingMemoryBound(to: UInt8.self)) + 1
                } else {
                    end = records.upperBound
                }
            }
            guard end > pieceStart else { continue }
            pieces.append((pieceStart..<end, pieceLine))
            pieceLine += CSVLineEnd.count(base + pieceStart, end - pieceStart)
            pieceStart = end
        }
        let layout = Layout(file: file, header: header, targetColumn: targetColumn, featureColumns: featureColumns,
                            dropNonFinite: dropNonFinite)
        let results = Locked([Result<Piece, DataError>?](repeating: nil, count: pieces.count))
        let shared = SharedBuffer(buffer)
        let planned = pieces
        DispatchQueue.concurrentPerform(iterations: planned.count) { index in
            let outcome = Result(catching: { () throws(DataError) -> Piece in
                try layout.parse(shared.buffer, planned[index].range, line: planned[index].line)
            })
            results.withLock { $0[index] = outcome }
        }
        for outcome in results.withLock({ $0 }) {
            guard let outcome else { continue }
            let piece = try outcome.get()
            x.append(contentsOf: piece.x)
            y.append(contentsOf: piece.y)
            rowsRead += piece.rowsRead
            rowsDropped += piece.rowsDropped
        }
        line = pieceLine
    }

    private mutating func readHeader(_ names: [String], line headerLine: Int) throws {
        header = names
        var seen: [String: Int] = [:]
        for (index, name) in header.enumerated() {
            if name.isEmpty {
                throw DataError(file: file, place: .csv(line: headerLine, column: index + 1, name: nil),
                                message: "the header names no column here")
            }
            if let first = seen[name] {
                throw DataError(file: file, place: .csv(line: headerLine, column: index + 1, name: name),
                                message: "column name repeats column \(first + 1)")
            }
            seen[name] = index
        }
        func column(_ name: String, role: String) throws -> Int {
            if let index = seen[name] { return index }
            var message = "no \(role) column '\(name)' in the header"
            if let suggestion = Suggestion.closest(to: name, among: header) {
                message += "; did you mean '\(suggestion)'?"
            } else {
                message += " (columns: \(header.joined(separator: ", ")))"
            }
            throw DataError(file: file, place: .csv(line: headerLine, column: nil, name: nil), message: message)
        }
        targetColumn = try column(target, role: "target")
        if let requestedFeatures {
            featureColumns = try requestedFeatures.map { try column($0, role: "feature") }
            if featureColumns.contains(targetColumn) {
                throw DataError(file: file, place: .csv(line: headerLine, column: targetColumn + 1, name: target),
                                message: "the target column is also listed as a feature")
            }
        } else {
            featureColumns = header.indices.filter { $0 != targetColumn }
        }
        guard !featureColumns.isEmpty else {
            throw DataError(file: file, message: "no feature columns besides the target '\(target)'")
        }
    }

    /// The data set, once every block was parsed.
    func finish() throws -> (Dataset, LoadReport) {
        guard sawHeader else { throw DataError(file: file, message: "the file is empty (a header row and data rows are needed)") }
        guard rowsRead > 0 else { throw DataError(file: file, message: "the file has a header but no data rows") }
        guard !y.isEmpty else {
            throw DataError(file: file, message: "all \(rowsRead) rows hold NaN, infinite or missing values")
        }
        let data = Dataset(x: Matrix(rows: y.count, columns: featureColumns.count, storage: x), y: y,
                           featureNames: featureColumns.map { header[$0] })
        return (data, LoadReport(rowsRead: rowsRead, rowsDropped: rowsDropped))
    }

    /// The rows one piece of records holds.
    struct Piece: Sendable {
        var x: [Double] = []
        var y: [Double] = []
        var rowsRead = 0, rowsDropped = 0
    }

    /// What parsing a piece needs to know of the header.
    struct Layout: Sendable {
        let file: String
        let header: [String]
        let targetColumn: Int
        let featureColumns: [Int]
        let dropNonFinite: Bool

        func parse(_ buffer: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, line: Int) throws(DataError) -> Piece {
            do {
                return try parseRecords(buffer, range, line: line)
            } catch let error as DataError {
                throw error
            } catch {
                throw DataError(file: file, message: "\(error)")
            }
        }

        private func parseRecords(_ buffer: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, line: Int) throws -> Piece {
            var piece = Piece()
            var reader = CSVReader(file: file, bytes: buffer, range: range, line: line)
            var fields: [CSVReader.Field] = []
            let d = featureColumns.count
            var row = [Double](repeating: 0, count: d)
            var scratch: [CChar] = []
            piece.x.reserveCapacity(range.count / max(1, 8 * header.count) * d)
            while let line = try reader.next(into: &fields) {
                piece.rowsRead += 1
                guard fields.count == header.count else {
                    throw DataError(file: file, place: .csv(line: line, column: nil, name: nil),
                                    message: "this row has \(fields.count) fields, the header has \(header.count)")
                }
                var keep = true
                func value(_ column: Int) throws -> Double {
                    switch reader.number(fields[column], buffer: &scratch) {
                    case .value(let number) where number.isFinite:
                        return number
                    case .value, .missing:
                        if dropNonFinite { keep = false; return .nan }
                        let cell = reader.text(fields[column]).trimmingCharacters(in: .whitespaces)
                        throw DataError(file: file, place: .csv(line: line, column: column + 1, name: header[column]),
                                        message: (cell.isEmpty ? "empty cell" : "'\(cell)' is not a finite number")
                                            + " (drop_nonfinite: true drops such rows)")
                    case .text:
                        let cell = reader.text(fields[column])
                        throw DataError(file: file, place: .csv(line: line, column: column + 1, name: header[column]),
                                        message: "'\(cell)' is not a number")
                    }
                }
                let label = try value(targetColumn)
                for (j, column) in featureColumns.enumerated() { row[j] = try value(column) }
                if keep {
                    piece.y.append(label)
                    piece.x.append(contentsOf: row)
                } else {
                    piece.rowsDropped += 1
                }
            }
            return piece
        }
    }
}

/// A buffer read by the pieces of one block at once (none writes it).
private struct SharedBuffer: @unchecked Sendable {
    let buffer: UnsafeBufferPointer<UInt8>
    init(_ buffer: UnsafeBufferPointer<UInt8>) { self.buffer = buffer }
}
