#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A reader of comma-separated values (RFC 4180) over the bytes of a file,
/// one record at a time.
///
/// Fields may be quoted ("…", with "" for a quote inside) and then hold commas
/// and line breaks; records end with LF or CRLF; a UTF-8 byte-order mark and
/// blank lines (anywhere, including at the end) are skipped. It keeps the line
/// number where each record starts, so every error can point at it. Fields are
/// ranges into the file's bytes (or into a scratch buffer for quoted fields
/// with escapes): reading allocates nothing per cell.
struct CSVReader {
    /// One field of the current record.
    struct Field {
        var start: Int
        var end: Int
        /// The field's bytes live in `scratch` (a quoted field with "" escapes).
        var inScratch: Bool
    }

    let file: String
    /// The bytes of whole records (a file, or a block of one cut at a record
    /// boundary), followed by one readable byte that ends a number (a line end
    /// or a 0): `DecimalParser` may read up to it.
    private let bytes: UnsafeBufferPointer<UInt8>
    private var index: Int
    private var line: Int
    private(set) var scratch: [UInt8] = []

    /// A reader of `bytes[range]`, whose first line is `line` of the file; a
    /// byte-order mark is skipped at the start of a file.
    init(file: String, bytes: UnsafeBufferPointer<UInt8>, range: Range<Int>, line: Int = 1) {
        self.file = file
        self.bytes = UnsafeBufferPointer(rebasing: bytes[..<range.upperBound])
        index = range.lowerBound
        self.line = line
        if range.lowerBound == 0, line == 1, range.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { index = 3 }
    }

    @inline(__always) private func endsLine(at index: Int) -> Bool {
        CSVLineEnd.at(bytes.baseAddress!, index, count: bytes.count)
    }

    /// Where the next record starts, and its line.
    var position: (index: Int, line: Int) { (index, line) }

    /// Reads the next record's fields into `fields` and returns the line it
    /// starts on, or nil at the end of the file.
    mutating func next(into fields: inout [Field]) throws -> Int? {
        fields.removeAll(keepingCapacity: true)
        scratch.removeAll(keepingCapacity: true)
        // Skip blank lines.
        while index < bytes.count, bytes[index] == 0x0A || bytes[index] == 0x0D {
            if endsLine(at: index) { line += 1 }
            index += 1
        }
        guard index < bytes.count else { return nil }
        let recordLine = line
        while true {
            if index < bytes.count, bytes[index] == 0x22 {  // a quoted field
                fields.append(try quotedField())
            } else {
                let start = index
                while index < bytes.count, bytes[index] != 0x2C, bytes[index] != 0x0A, bytes[index] != 0x0D {
                    if bytes[index] == 0x22 {
                        throw DataError(file: file, place: .csv(line: line, column: fields.count + 1, name: nil),
                                        message: "a quote inside an unquoted field (quote the whole field and double the quote)")
                    }
                    index += 1
                }
                fields.append(Field(start: start, end: index, inScratch: false))
            }
            // After a field: a comma, a line end, or the end of the file.
            if index >= bytes.count { return recordLine }
            switch bytes[index] {
            case 0x2C:
                index += 1
            case 0x0D:
                index += 1
                if index < bytes.count, bytes[index] == 0x0A { index += 1 }
                line += 1
                return recordLine
            default:  // LF
                index += 1
                line += 1
                return recordLine
            }
        }
    }

    private mutating func quotedField() throws -> Field {
        let openingLine = line
        index += 1
        let start = index
        var escaped = false
        var scratchStart = 0
        while true {
            guard index < bytes.count else {
                throw DataError(file: file, place: .csv(line: openingLine, column: nil, name: nil),
                                message: "a quoted field opened here is never closed")
            }
            let byte = bytes[index]
            if byte == 0x22 {
                if index + 1 < bytes.count, bytes[index + 1] == 0x22 {
                    // An escaped quote: from here on the field is copied into scratch.
                    if !escaped {
                        escaped = true
                        scratchStart = scratch.count
                        scratch.append(contentsOf: bytes[start..<index])
                    }
                    scratch.append(0x22)
                    index += 2
                    continue
                }
                let end = index
                index += 1
                if index < bytes.count, ![0x2C, 0x0A, 0x0D].contains(bytes[index]) {
                    throw DataError(file: file, place: .csv(line: line, column: nil, name: nil),
                                    message: "unexpected text after a closing quote")
                }
                return escaped ? Field(start: scratchStart, end: scratch.count, inScratch: true)
                               : Field(start: start, end: end, inScratch: false)
            }
            if endsLine(at: index) { line += 1 }
            if escaped { scratch.append(byte) }
            index += 1
        }
    }

    /// The text of a field.
    func text(_ field: Field) -> String {
        withBytes(field) { String(decoding: $0, as: UTF8.self) }
    }

    func withBytes<R>(_ field: Field, _ body: (ArraySlice<UInt8>) -> R) -> R {
        field.inScratch ? body(scratch[field.start..<field.end]) : body(ArraySlice(bytes[field.start..<field.end]))
    }

    /// Parses a field as a number. Surrounding spaces and tabs are ignored.
    /// `.missing` for an empty cell or a missing-value marker (NA, NaN, NULL, …).
    /// A decimal number goes through `DecimalParser` in place; anything else
    /// (a marker, inf, text) through the general path below.
    @inline(__always)
    func number(_ field: Field, buffer: inout [CChar]) -> CSVNumber {
        if !field.inScratch, let base = bytes.baseAddress {
            var lower = field.start, upper = field.end
            while lower < upper, base[lower] == 0x20 || base[lower] == 0x09 { lower += 1 }
            while upper > lower, base[upper - 1] == 0x20 || base[upper - 1] == 0x09 { upper -= 1 }
            if lower < upper, case .value(let value) = DecimalParser.parse(base + lower, count: upper - lower) {
                return .value(value)
            }
        }
        return generalNumber(field, buffer: &buffer)
    }

    /// The number of a field that is not a plain decimal: empty, a missing-value
    /// marker, or what strtod makes of it (inf, text).
    private func generalNumber(_ field: Field, buffer: inout [CChar]) -> CSVNumber {
        withBytes(field) { slice in
            var lower = slice.startIndex, upper = slice.endIndex
            while lower < upper, slice[lower] == 0x20 || slice[lower] == 0x09 { lower += 1 }
            while upper > lower, slice[upper - 1] == 0x20 || slice[upper - 1] == 0x09 { upper -= 1 }
            let trimmed = slice[lower..<upper]
            if trimmed.isEmpty { return .missing }
            if trimmed.count <= 5, CSVReader.missingMarkers.contains(Array(trimmed)) { return .missing }
            buffer.removeAll(keepingCapacity: true)
            for byte in trimmed { buffer.append(CChar(bitPattern: byte)) }
            buffer.append(0)
            return buffer.withUnsafeBufferPointer { pointer -> CSVNumber in
                var end: UnsafeMutablePointer<CChar>?
                let value = strtod(pointer.baseAddress!, &end)
                guard let end, end == UnsafeMutablePointer(mutating: pointer.baseAddress! + trimmed.count) else {
                    return .text
                }
                // strtod reads hexadecimal floats too; CSV numbers are decimal.
                if trimmed.contains(where: { $0 == 0x78 || $0 == 0x58 }) { return .text }
                return .value(value)
            }
        }
    }

    /// Cells that mean "no value" (a subset of pandas' default `na_values`).
    static let missingMarkers: Set<[UInt8]> = Set(
        ["NA", "N/A", "n/a", "NaN", "nan", "-nan", "-NaN", "NULL", "null", "None", "#N/A", "<NA>"].map { Array($0.utf8) })
}

/// What a CSV cell holds.
enum CSVNumber {
    case value(Double)
    case missing
    case text
}

/// Where CSV lines end, the one rule the reader's line numbers, the block
/// reader's record boundaries and line counts, and `check`'s row bound share:
/// a line feed, or a carriage return not followed by one (CRLF ends one line,
/// at its LF).
enum CSVLineEnd {
    /// Whether `base[index]` ends a line (a CR as the last of `count` bytes does).
    @inline(__always)
    static func at(_ base: UnsafePointer<UInt8>, _ index: Int, count: Int) -> Bool {
        base[index] == 0x0A || (base[index] == 0x0D && (index + 1 == count || base[index + 1] != 0x0A))
    }

    /// The line ends in `base[0..<count]`.
    static func count(_ base: UnsafePointer<UInt8>, _ count: Int) -> Int {
        var total = 0
        var cursor = base
        let end = base + count
        while cursor < end, let found = memchr(cursor, 0x0A, end - cursor) {
            total += 1
            cursor = UnsafePointer(found.assumingMemoryBound(to: UInt8.self)) + 1
        }
        if memchr(base, 0x0D, count) != nil {
            for index in 0..<count where base[index] == 0x0D && at(base, index, count: count) { total += 1 }
        }
        return total
    }
}
