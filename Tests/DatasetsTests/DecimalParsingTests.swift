import Datasets
import Foundation
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// CSV numbers to doubles exactly as strtod rounds them, and files read in
/// blocks exactly as read whole.
@Suite("CSV numbers and blocks")
struct DecimalParsingTests {
    /// The doubles a one-column CSV of `cells` gives.
    func parsed(_ cells: [String]) throws -> [Double] {
        try Dataset.parseCSV(Array(("y,x\n" + cells.map { "\($0),0" }.joined(separator: "\n")).utf8), file: "n.csv",
                             target: "y").0.y
    }

    func strtodValue(_ text: String) -> Double { text.withCString { strtod($0, nil) } }

    @Test("200,000 decimal strings — shortest round trips, 17 and 19 digits, ties, subnormals, extremes — equal strtod bit for bit")
    func agreesWithStrtod() throws {
        var random = SystemRandomNumberGenerator()
        var cells: [String] = [
            "0", "-0", "0.0", "1", "-1", "1e23", "8.98846567431158e307", "1.7976931348623157e308", "2.2250738585072011e-308",
            "2.2250738585072014e-308", "4.9406564584124654e-324", "5e-324", "9007199254740993", "9007199254740992.5",
            "123456789012345678901234567890", "0.000000000000000000000000000001", "1.00000000000000011102230246251565404236316680908203125",
            "3.4028235677973366e38", "1e-400", "7.0e-10", "+12.5", "-.5", "5.", ".25e2", "1E+2", "00012.500",
            "2.4703282292062327e-324", "2.4703282292062328e-324", "1.0000000000000002", "0.30000000000000004",
        ]
        for _ in 0..<50_000 {
            let bits = random.next() & 0x7FEF_FFFF_FFFF_FFFF  // finite
            let value = Double(bitPattern: bits | (random.next() & 1) << 63)
            cells.append("\(value)")                                   // shortest round trip
            cells.append(String(format: "%.17g", value))
            cells.append(String(format: "%.16e", Double.random(in: -1000...1000)))
            var digits = String(random.next() % 10_000_000_000_000_000_000)
            if random.next() % 2 == 0 { digits.insert(".", at: digits.index(digits.startIndex, offsetBy: digits.count / 2)) }
            cells.append(digits + "e\(Int(random.next() % 630) - 340)")  // up to 1e308: finite
        }
        let values = try parsed(cells)
        #expect(values.count == cells.count)
        var mismatches: [String] = []
        for (cell, value) in zip(cells, values) where value.bitPattern != strtodValue(cell).bitPattern && strtodValue(cell).isFinite {
            mismatches.append("\(cell) → \(value), strtod \(strtodValue(cell))")
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(5))")
    }

    /// A CSV with quoted fields (commas and line breaks inside), CRLF and blank
    /// lines, and every number in shortest round-trip form.
    func awkwardCSV(rows: Int) -> String {
        var stream = RandomStream(seed: 12)
        var text = "id,\"x, one\",note,x2,y\r\n"
        for row in 0..<rows {
            let note = row % 7 == 0 ? "\"line\nbreak, and \"\"quotes\"\"\"" : "plain"
            text += "\(row),\(stream.nextGaussian()),\(note),\(stream.nextGaussian() * 1e-5),\(stream.nextGaussian() * 1e4)\r\n"
            if row % 11 == 0 { text += "\n" }
        }
        return text
    }

    @Test("a file read in blocks of 7 to 4,096 bytes gives what it gives read whole, quoted line breaks across blocks included")
    func blocks() throws {
        let directory = try TemporaryDirectory("blocks")
        let text = awkwardCSV(rows: 400)
        let path = try directory.write("data.csv", text)
        let (whole, report) = try Dataset.parseCSV(Array(text.utf8), file: path, target: "y", features: ["x, one", "x2"])
        #expect(report.rowsRead == 400)
        for size in [7, 64, 333, 4096] {
            let (blocked, blockedReport) = try Dataset.loadCSV(path: path, target: "y", features: ["x, one", "x2"], blockBytes: size)
            #expect(blockedReport == report)
            #expect(bitIdentical(blocked.x.storage, whole.x.storage) && bitIdentical(blocked.y, whole.y), "block size \(size)")
        }
    }

    @Test("an error deep in a file names the same line read in blocks, in parallel pieces, or whole")
    func errorLines() throws {
        let directory = try TemporaryDirectory("errors")
        var lines = ["a,b,y"] + (0..<40_000).map { "\($0),\(Double($0) / 7),\(Double($0) * 1.5)" }
        lines[31_234] = "1,oops,3"
        let text = lines.joined(separator: "\n") + "\n"
        let path = try directory.write("bad.csv", text)
        let expected = "\(path):31235: column 2 ('b'): 'oops' is not a number"
        func message(_ body: () throws -> Void) -> String {
            do { try body(); return "no error" } catch { return "\(error)" }
        }
        #expect(message { _ = try Dataset.parseCSV(Array(text.utf8), file: path, target: "y") } == expected)
        #expect(message { _ = try Dataset.loadCSV(path: path, target: "y") } == expected)
        #expect(message { _ = try Dataset.loadCSV(path: path, target: "y", blockBytes: 1000) } == expected)
        // And a good file of that size (parsed in pieces on every core) equals its whole parse.
        lines[31_234] = "1,2,3"
        let good = lines.joined(separator: "\n")
        let goodPath = try directory.write("good.csv", good)
        let (whole, _) = try Dataset.parseCSV(Array(good.utf8), file: goodPath, target: "y")
        let (streamed, report) = try Dataset.loadCSV(path: goodPath, target: "y")
        #expect(report.rowsRead == 40_000 && bitIdentical(streamed.x.storage, whole.x.storage) && bitIdentical(streamed.y, whole.y))
    }

    @Test("check's row bound counts a CSV file's lines after the header, with or without a final line feed")
    func shapeBound() throws {
        let directory = try TemporaryDirectory("shape")
        let rows = (0..<300_000).map { "\($0),\($0 % 7),1.5" }.joined(separator: "\n")  // over one 4 MiB block
        let withEnd = try directory.write("end.csv", "a,b,y\n" + rows + "\n")
        let withoutEnd = try directory.write("noend.csv", "a,b,y\n" + rows)
        #expect(Dataset.csvShapeBound(path: withEnd)! == (300_000, 3))
        #expect(Dataset.csvShapeBound(path: withoutEnd)! == (300_000, 3))
        #expect(Dataset.csvShapeBound(path: try directory.write("header.csv", "a,b"))! == (0, 2))
        #expect(Dataset.csvShapeBound(path: try directory.write("empty.csv", "")) == nil)
        #expect(Dataset.csvShapeBound(path: directory.file("missing.csv")) == nil)
    }

    @Test("bare carriage returns, blank lines before the header, an unclosed quote: blocks of any size read and report as the whole")
    func awkwardEndings() throws {
        let directory = try TemporaryDirectory("endings")
        func message(_ body: () throws -> Void) -> String {
            do { try body(); return "no error" } catch { return "\(error)" }
        }
        // Classic Mac line ends (CR alone), and blank lines before the header.
        var stream = RandomStream(seed: 3)
        let rows = (0..<300).map { "\($0),\(stream.nextGaussian()),\(stream.nextGaussian())" }
        for (name, text) in [("cr.csv", "a,b,y\r" + rows.joined(separator: "\r") + "\r"),
                             ("blank.csv", "\n\n\n\na,b,y\n" + rows.joined(separator: "\n"))] {
            let path = try directory.write(name, text)
            let (whole, _) = try Dataset.parseCSV(Array(text.utf8), file: path, target: "y")
            #expect(whole.y.count == 300)
            for size in [5, 64, 1000] {
                let (blocked, _) = try Dataset.loadCSV(path: path, target: "y", blockBytes: size)
                #expect(bitIdentical(blocked.x.storage, whole.x.storage) && bitIdentical(blocked.y, whole.y), "\(name), blocks of \(size)")
            }
            // An error late in the file names the same line read in blocks.
            let bad = text.replacingOccurrences(of: "\n290,", with: "\nx290,").replacingOccurrences(of: "\r290,", with: "\rx290,")
            let badPath = try directory.write("bad-" + name, bad)
            let expected = message { _ = try Dataset.parseCSV(Array(bad.utf8), file: badPath, target: "y") }
            #expect(expected.contains(name == "cr.csv" ? ":292: column 1" : ":296: column 1"), "\(expected)")
            for size in [5, 64, 1000] {
                #expect(message { _ = try Dataset.loadCSV(path: badPath, target: "y", blockBytes: size) } == expected)
            }
        }
        // A quote never closed: one error, the same for blocks and whole.
        let unclosed = "a,b,y\n1,2,3\n4,\"5,6\n" + String(repeating: "7,8,9\n", count: 2000)
        let path = try directory.write("unclosed.csv", unclosed)
        let expected = message { _ = try Dataset.parseCSV(Array(unclosed.utf8), file: path, target: "y") }
        #expect(expected != "no error")
        #expect(message { _ = try Dataset.loadCSV(path: path, target: "y", blockBytes: 100) } == expected)
    }
}
