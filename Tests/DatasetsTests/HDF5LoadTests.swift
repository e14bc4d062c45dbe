import Datasets
import struct Datasets.Dataset
import Foundation
import HDF5
import Testing
import TestSupport

@Suite("HDF5 loading")
struct HDF5LoadTests {
    @Test("X stored as float32 or integers and y as integers read as Float64, with feature names")
    func types() throws {
        let dir = try TemporaryDirectory("load-h5")
        let path = dir.file("data.h5")
        let file = try File.create(path)
        try file.write("inputs/x32", [Float(1.5), 2, 3, 4, 5, 6], shape: [3, 2])
        try file.write("inputs/xi", [Int32(1), 2, 3, 4, 5, 6], shape: [3, 2])
        try file.write("target", [Int64(7), 8, 9])
        try file.writeStrings("names", ["first", "second"])
        try file.close()

        let (data, report) = try Dataset.loadHDF5(path: path, x: "inputs/x32", y: "/target", features: "names")
        #expect(data.x.storage == [1.5, 2, 3, 4, 5, 6])
        #expect(data.y == [7, 8, 9])
        #expect(data.featureNames == ["first", "second"])
        #expect(report == LoadReport(rowsRead: 3, rowsDropped: 0))
        let (ints, _) = try Dataset.loadHDF5(path: path, x: "inputs/xi", y: "target")
        #expect(ints.x.storage == [1, 2, 3, 4, 5, 6])
        #expect(ints.featureNames == ["x1", "x2"])
    }

    @Test("regime's own writer and reader agree (the layout of make data)")
    func writerRoundTrip() throws {
        let dir = try TemporaryDirectory("write-h5")
        let (csv, _) = try Dataset.loadCSV(path: Paths.repository("data/diabetes.csv").path, target: "y")
        let path = dir.file("diabetes.h5")
        try csv.writeHDF5(path: path)
        let (h5, _) = try Dataset.loadHDF5(path: path, x: "/X", y: "/y")
        #expect(h5 == csv)
    }

    func errorText(_ path: String, x: String = "X", y: String = "y", drop: Bool = false) -> String? {
        do {
            _ = try Dataset.loadHDF5(path: path, x: x, y: y, dropNonFinite: drop)
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test("bad files and bad datasets are errors naming the file and the HDF5 path")
    func errors() throws {
        let dir = try TemporaryDirectory("load-h5-errors")
        let text = try dir.write("text.h5", "x,y\n1,2\n")
        #expect(errorText(text) == "\(text): not an HDF5 file (no HDF5 signature)")

        let path = dir.file("data.h5")
        let file = try File.create(path)
        try file.write("X", (0..<20).map(Double.init), shape: [10, 2])
        try file.write("y", (0..<9).map(Double.init))
        try file.write("y10", (0..<10).map(Double.init))
        try file.write("cube", [Double](repeating: 0, count: 16), shape: [2, 2, 2, 2])
        try file.writeStrings("words", ["a", "b"])
        try file.write("Xnan", [1.0, .nan, 3, 4], shape: [2, 2])
        try file.write("y2", [1.0, 2])
        try file.close()

        #expect(errorText(path, y: "y") == "\(path): /y: y has 9 values but X (/X) has 10 rows")
        #expect(errorText(path, x: "missing", y: "y10")
                == "\(path): /missing: no dataset here (the X path; datasets in the file: /X, /y, /y10, /cube, /words, /Xnan, /y2)")
        #expect(errorText(path, x: "cube", y: "y10") == "\(path): /cube: X must be 2-D (n × d) or an image stack (n × h × w), this dataset has shape [2, 2, 2, 2]")
        #expect(errorText(path, x: "words", y: "y10") == "\(path): /words: X must be numeric, this dataset holds variable-length string data")
        #expect(errorText(path, x: "Xnan", y: "y2")
                == "\(path): /Xnan: row 0, column 1 holds nan (drop_nonfinite: true drops such rows)")
        let (dropped, report) = try Dataset.loadHDF5(path: path, x: "Xnan", y: "y2", dropNonFinite: true)
        #expect(dropped.x.storage == [3, 4] && dropped.y == [2])
        #expect(report == LoadReport(rowsRead: 2, rowsDropped: 1))

        // A truncated file: HDF5's own diagnosis, under the file's name.
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        let cut = dir.file("cut.h5")
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: cut))
        let truncated = try #require(errorText(cut))
        #expect(truncated.hasPrefix("\(cut): H5Fopen: unable to open file"))
        #expect(truncated.contains("truncated file"))
    }

    @Test("image stacks: data/digits.h5 holds scikit-learn's digits; an unlabelled stack, a flat one with image_shape, and a wrong shape")
    func imageStacks() throws {
        let (digits, _) = try Dataset.loadHDF5(path: Paths.repository("data/digits.h5").path, x: "/images", y: "/labels")
        let reference = try Python.json("digits_reference.py")
        #expect(digits.rows == 1797 && digits.features == 64 && digits.imageShape == [8, 8])
        #expect(digits.x.storage == (reference["images"] as? [Int])?.map(Double.init))
        #expect(digits.y == (reference["labels"] as? [Int])?.map(Double.init))
        #expect(digits.firstNonClassLabel(below: 10) == nil && digits.firstNonClassLabel(below: 9) != nil)

        let dir = try TemporaryDirectory("load-images")
        let path = dir.file("images.h5")
        let file = try File.create(path)
        try file.write("stack", (0..<24).map(Double.init), shape: [2, 3, 4])
        try file.write("flat", (0..<24).map(Double.init), shape: [2, 12])
        try file.close()
        let (stack, _) = try Dataset.loadHDF5(path: path, x: "stack", y: "/y")
        #expect(stack.imageShape == [3, 4] && stack.rows == 2 && stack.x[1, 0] == 12 && stack.y.allSatisfy(\.isNaN) && stack.firstNonClassLabel(below: 1000) == 0)
        let (flat, _) = try Dataset.loadHDF5(path: path, x: "flat", y: "/y", imageShape: [4, 3])
        #expect(flat.imageShape == [4, 3] && flat.x == stack.x)
        #expect(throws: DataError.self) { try Dataset.loadHDF5(path: path, x: "stack", y: "/y", imageShape: [4, 3]) }
        #expect(throws: DataError.self) { try Dataset.loadHDF5(path: path, x: "flat", y: "/y", imageShape: [5, 3]) }
        // Without image_shape, a 2-D X still needs its y.
        #expect(throws: DataError.self) { try Dataset.loadHDF5(path: path, x: "flat", y: "/y") }
    }
}
