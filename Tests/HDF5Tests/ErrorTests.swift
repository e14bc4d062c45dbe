import Foundation
import HDF5
import Testing
import TestSupport

@Suite("HDF5 errors")
struct ErrorTests {
    @Test("a missing file, a non-HDF5 file and a directory get plain messages")
    func notHDF5() throws {
        let dir = try TemporaryDirectory("h5-errors")
        let missing = dir.file("missing.h5")
        let error = #expect(throws: HDF5Error.self) { try File.open(missing) }
        #expect(error?.description == "\(missing): no such file")

        let text = try dir.write("notes.h5", "this is not HDF5\n")
        let notHDF5 = #expect(throws: HDF5Error.self) { try File.open(text) }
        #expect(notHDF5?.description == "\(text): not an HDF5 file (no HDF5 signature)")

        let directory = #expect(throws: HDF5Error.self) { try File.open(dir.path) }
        #expect(directory?.description == "\(dir.path): is a directory, not an HDF5 file")
    }

    @Test("a truncated file fails in H5Fopen with HDF5's own diagnosis")
    func truncated() throws {
        let dir = try TemporaryDirectory("h5-truncated")
        let path = dir.file("whole.h5")
        let file = try File.create(path)
        try file.write("x", (0..<5000).map(Double.init))
        try file.close()
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        let cut = dir.file("cut.h5")
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: cut))
        let error = try #require(#expect(throws: HDF5Error.self) { try File.open(cut) })
        #expect(error.function == "H5Fopen")
        #expect(error.file == cut)
        #expect(error.message.contains("truncated file"), "message: \(error.message)")
        #expect(error.stack.count >= 2, "the whole error stack is kept")
        #expect(error.description.hasPrefix("\(cut): H5Fopen failed: unable to open file"))
    }

    @Test("errors name the object path, and library errors carry the C function")
    func objectPaths() throws {
        let dir = try TemporaryDirectory("h5-paths")
        let path = dir.file("paths.h5")
        let file = try File.create(path)
        try file.createGroup("summary")
        let missing = #expect(throws: HDF5Error.self) { try file.openDataset("summary/l2") }
        #expect(missing?.description == "\(path): /summary/l2: no dataset at this path")
        try file.write("summary/l2", [1.0])
        let duplicate = try #require(#expect(throws: HDF5Error.self) { try file.write("summary/l2", [2.0]) })
        #expect(duplicate.function == "H5Dcreate2")
        #expect(duplicate.object == "/summary/l2")
        #expect(duplicate.message.contains("already exists"), "message: \(duplicate.message)")
        let wrongCount = #expect(throws: HDF5Error.self) { try file.openDataset("summary/l2").write([1.0, 2.0]) }
        #expect(wrongCount?.description == "\(path): /summary/l2: 2 values for a dataset of 1 elements (shape [1])")
    }

    @Test("after error paths nothing stays open but the file itself")
    func noLeaksOnErrorPaths() throws {
        let dir = try TemporaryDirectory("h5-leaks")
        let file = try File.create(dir.file("leaks.h5"))
        try file.write("x", [1.0, 2, 3])
        try file.writeStrings("s", ["a"])
        func failEverywhere() {
            _ = try? file.openDataset("missing")
            _ = try? file.openGroup("x")
            _ = try? file.write("x", [1.0])                      // H5Dcreate2 fails: exists
            _ = try? file.openDataset("x").write([1.0])          // wrong count
            _ = try? file.openDataset("s").readDoubles()         // strings as numbers
            _ = try? file.openDataset("x").readStrings()         // numbers as strings
            _ = try? file.openDataset("x").readRows(2..<9, as: Double.self)
            _ = try? file.openDataset("x").append([4.0])         // not extendible
            _ = try? file.attribute("missing")
            _ = try? file.openDataset("x").setExtent([1, 1])     // wrong rank
        }
        failEverywhere()
        #expect(try file.openObjectCount() == 1)

        // Dataspaces, datatypes and property lists belong to no file: count them
        // process-wide. Other tests run in parallel, so the check allows their
        // transient objects, but a leak in the loop would add at least 100.
        let before = OpenIdentifierCounts.current()
        for _ in 0..<100 { failEverywhere() }
        let after = OpenIdentifierCounts.current()
        #expect(after.temporaries - before.temporaries < 50)
        #expect(try file.openObjectCount() == 1)
        try file.close()
    }
}
