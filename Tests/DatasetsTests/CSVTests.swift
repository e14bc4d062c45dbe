import Datasets
import Foundation
import Testing
import TestSupport

@Suite("CSV loading")
struct CSVTests {
    func parse(_ text: String, target: String = "y", features: [String]? = nil,
               drop: Bool = false) throws -> (Dataset, LoadReport) {
        try Dataset.parseCSV(Array(text.utf8), file: "t.csv", target: target, features: features, dropNonFinite: drop)
    }

    func message(_ text: String, target: String = "y", features: [String]? = nil) -> String? {
        do {
            _ = try parse(text, target: target, features: features)
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test("quoted fields, escaped quotes, CRLF, a BOM, blank lines and a trailing blank line")
    func dialect() throws {
        let text = "\u{FEFF}a,\"b, the second\",y,note\r\n1,2,3,\"say \"\"hi\"\"\"\r\n\r\n\"4\", 5 ,6,\"two\nlines\"\r\n7,8,9,\n\n"
        let (data, report) = try parse(text, features: ["a", "b, the second"])
        #expect(data.featureNames == ["a", "b, the second"])
        #expect(data.x.storage == [1, 2, 4, 5, 7, 8])
        #expect(data.y == [3, 6, 9])
        #expect(report == LoadReport(rowsRead: 3, rowsDropped: 0))
    }

    @Test("features default to every column but the target, in file order")
    func defaultFeatures() throws {
        let (data, _) = try parse("y,b,a\n1,2,3\n4,5,6\n")
        #expect(data.featureNames == ["b", "a"])
        #expect(data.x.storage == [2, 3, 5, 6])
        #expect(data.y == [1, 4])
    }

    @Test("every kind of bad input names the file, line and column", arguments: [
        ("a,y\n1,2\n3,abc\n", "t.csv:3: column 2 ('y'): 'abc' is not a number"),
        ("a,b,y\n1,2,3\n4,5\n", "t.csv:3: this row has 2 fields, the header has 3"),
        ("", "t.csv: the file is empty (a header row and data rows are needed)"),
        ("\n\n", "t.csv: the file is empty (a header row and data rows are needed)"),
        ("a,y\n", "t.csv: the file has a header but no data rows"),
        ("a,target\n1,2\n", "t.csv:1: no target column 'y' in the header (columns: a, target)"),
        ("a,yy\n1,2\n", "t.csv:1: no target column 'y' in the header; did you mean 'yy'?"),
        ("a,y\n1,2\nNaN,3\n", "t.csv:3: column 1 ('a'): 'NaN' is not a finite number (drop_nonfinite: true drops such rows)"),
        ("a,y\n1,\n", "t.csv:2: column 2 ('y'): empty cell (drop_nonfinite: true drops such rows)"),
        ("a,y\n-inf,1\n", "t.csv:2: column 1 ('a'): '-inf' is not a finite number (drop_nonfinite: true drops such rows)"),
        ("a,y\n1,\"2\n", "t.csv:2: a quoted field opened here is never closed"),
        ("a,y\n1,2\"x\n", "t.csv:2: column 2: a quote inside an unquoted field (quote the whole field and double the quote)"),
        ("a,y\n\"1\"x,2\n", "t.csv:2: unexpected text after a closing quote"),
        ("a,a,y\n1,2,3\n", "t.csv:1: column 2 ('a'): column name repeats column 1"),
        ("a,,y\n1,2,3\n", "t.csv:1: column 2: the header names no column here"),
        ("a,y\n0x1p3,2\n", "t.csv:2: column 1 ('a'): '0x1p3' is not a number"),
        ("y\n1\n", "t.csv: no feature columns besides the target 'y'"),
    ])
    func errors(input: (String, String)) {
        #expect(message(input.0) == input.1)
    }

    @Test("unknown or conflicting feature names are errors")
    func featureErrors() {
        #expect(message("a,b,y\n1,2,3\n", features: ["a", "c"]) == "t.csv:1: no feature column 'c' in the header (columns: a, b, y)")
        #expect(message("age,bmi,y\n1,2,3\n", features: ["age", "bim"]) == "t.csv:1: no feature column 'bim' in the header; did you mean 'bmi'?")
        #expect(message("a,b,y\n1,2,3\n", features: ["a", "y"]) == "t.csv:1: column 3 ('y'): the target column is also listed as a feature")
        // Unused columns may hold text.
        #expect(message("id,a,y\nP-1,1,2\n", features: ["a"]) == nil)
    }

    @Test("drop_nonfinite drops rows with NaN, infinite or missing values and reports how many")
    func dropping() throws {
        let (data, report) = try parse("a,b,y\n1,2,3\nNA,5,6\n7,inf,9\n10,11,\n12,13,14\n", drop: true)
        #expect(data.y == [3, 14])
        #expect(data.x.storage == [1, 2, 12, 13])
        #expect(report == LoadReport(rowsRead: 5, rowsDropped: 3))
        // Text is never dropped: it is an error either way.
        #expect(throws: DataError.self) { try parse("a,y\nabc,1\n", drop: true) }
        #expect(throws: DataError.self) { try parse("a,y\nNaN,1\n", drop: true) }
    }

    @Test("a missing file or a directory is a clear error")
    func missingFile() throws {
        let dir = try TemporaryDirectory("csv-missing")
        let missing = dir.file("nope.csv")
        let error = #expect(throws: DataError.self) { try Dataset.loadCSV(path: missing, target: "y") }
        #expect(error?.description == "\(missing): no such file")
        let directory = #expect(throws: DataError.self) { try Dataset.loadCSV(path: dir.path, target: "y") }
        #expect(directory?.description == "\(dir.path): is a directory, not a CSV file")
    }

    @Test("the shipped diabetes data reads exactly as pandas and Python's csv module read it")
    func diabetesAgreesWithPandas() throws {
        let path = Paths.repository("data/diabetes.csv").path
        let (data, report) = try Dataset.loadCSV(path: path, target: "y")
        #expect(data.rows == 442 && data.features == 10)
        #expect(report == LoadReport(rowsRead: 442, rowsDropped: 0))
        let reference = try Python.json("csv_reference.py", [path, "y"])
        #expect(data.featureNames == reference["features"] as? [String])
        #expect(bitIdentical(data.x.storage, try #require(Python.doubles(reference["x"]))))
        #expect(bitIdentical(data.y, try #require(Python.doubles(reference["y"]))))
    }
}
