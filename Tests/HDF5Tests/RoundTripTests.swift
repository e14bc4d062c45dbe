import Foundation
import HDF5
import Testing
import TestSupport

@Suite("HDF5 round trips")
struct RoundTripTests {
    @Test("every numeric element type writes and reads back, and reads as Float64")
    func numericTypes() throws {
        let dir = try TemporaryDirectory("h5-types")
        let path = dir.file("types.h5")
        let file = try File.create(path)
        try file.write("f64", [1.5, -2.25, 3e300, -0.0, 5, 6], shape: [2, 3])
        try file.write("f32", [Float(1.5), -2.25, 3.125, 4], shape: [2, 2])
        try file.write("i64", [Int64.max, Int64.min + 1, 0, 7], shape: [4])
        try file.write("i32", [Int32(-5), 6, 7], shape: [3])
        try file.write("u8", [UInt8(0), 128, 255], shape: [3])
        try file.write("bool", [true, false, true], shape: [3])
        try file.close()

        let reopened = try File.open(path)
        #expect(try reopened.openDataset("f64").read(as: Double.self) == [1.5, -2.25, 3e300, -0.0, 5, 6])
        #expect(try reopened.openDataset("f64").shape == [2, 3])
        #expect(try reopened.openDataset("f32").read(as: Float.self) == [1.5, -2.25, 3.125, 4])
        #expect(try reopened.openDataset("f32").readDoubles() == [1.5, -2.25, 3.125, 4])
        #expect(try reopened.openDataset("i64").read(as: Int64.self) == [Int64.max, Int64.min + 1, 0, 7])
        #expect(try reopened.openDataset("i32").readDoubles() == [-5, 6, 7])
        #expect(try reopened.openDataset("u8").read(as: UInt8.self) == [0, 128, 255])
        #expect(try reopened.openDataset("u8").readDoubles() == [0, 128, 255])
        #expect(try reopened.openDataset("bool").read(as: Bool.self) == [true, false, true])
        #expect(try reopened.openDataset("f32").storedType == .float(bits: 32))
        #expect(try reopened.openDataset("u8").storedType == .integer(bits: 8, signed: false))
        #expect(try reopened.openDataset("bool").storedType == .bool)
        try reopened.close()
    }

    @Test("large datasets are chunked with shuffle and deflate; small ones stay contiguous")
    func automaticStorage() throws {
        let dir = try TemporaryDirectory("h5-storage")
        let file = try File.create(dir.file("storage.h5"))
        let big = (0..<(300 * 200)).map { Double($0 % 97) / 7 }
        let large = try file.write("large", big, shape: [300, 200])
        let small = try file.write("small", [1.0, 2, 3])
        #expect(try large.filters == ["shuffle", "deflate"])
        let chunks = try #require(try large.chunkShape)
        let chunkBytes = chunks.reduce(8, *)
        #expect(chunkBytes >= 10 * 1024 && chunkBytes <= 1024 * 1024)
        #expect(chunks[1] == 200, "a chunk holds whole rows")
        #expect(try small.chunkShape == nil)
        #expect(try small.filters.isEmpty)
        #expect(try large.readDoubles() == big)
        let explicit = try file.createDataset("explicit", of: Double.self, shape: [10, 4],
                                              storage: .chunked(chunks: [5, 2], deflate: nil, shuffle: false))
        #expect(try explicit.chunkShape == [5, 2])
        #expect(try explicit.filters.isEmpty)
    }

    @Test("extendible datasets grow by appended rows; row ranges read back")
    func appendAndReadRows() throws {
        let dir = try TemporaryDirectory("h5-append")
        let file = try File.create(dir.file("append.h5"))
        let set = try file.createDataset("trajectory", of: Double.self, shape: [0, 3], extendible: true)
        try set.append([1.0, 2, 3])
        try set.append([4.0, 5, 6, 7, 8, 9])
        #expect(try set.shape == [3, 3])
        #expect(try set.maxShape == [nil, 3])
        #expect(try set.readRows(1..<3, as: Double.self) == [4, 5, 6, 7, 8, 9])
        #expect(try set.readRows(0..<0, as: Double.self) == [])
        try set.writeRows([0.5, 0.5, 0.5], at: 1)
        #expect(try set.readDoubles() == [1, 2, 3, 0.5, 0.5, 0.5, 7, 8, 9])
        #expect(throws: HDF5Error.self) { try set.append([1.0, 2]) }
        #expect(throws: HDF5Error.self) { try set.readRows(2..<4, as: Double.self) }
        let fixed = try file.write("fixed", [1.0, 2])
        #expect(throws: HDF5Error.self) { try fixed.append([3.0]) }

        let names = try file.writeStrings("status", ["ok"], extendible: true)
        try names.append(strings: ["diverged", "failed"])
        #expect(try names.readStrings() == ["ok", "diverged", "failed"])
    }

    @Test("strings are variable-length UTF-8 and survive non-ASCII text")
    func strings() throws {
        let dir = try TemporaryDirectory("h5-strings")
        let file = try File.create(dir.file("strings.h5"))
        let values = ["ok", "λ = 10⁻³", "", "diverged at step 41"]
        try file.writeStrings("status", values)
        #expect(try file.openDataset("status").readStrings() == values)
        #expect(try file.openDataset("status").storedType == .string(variableLength: true))
        #expect(throws: HDF5Error.self) { try file.openDataset("status").readDoubles() }
    }

    @Test("attributes: numbers, arrays and strings on files, groups and datasets")
    func attributes() throws {
        let dir = try TemporaryDirectory("h5-attributes")
        let path = dir.file("attributes.h5")
        let file = try File.create(path)
        try file.setAttribute("name", "kernel-rich")
        try file.setAttribute("seed", Int64(7))
        try file.setAttribute("alpha", 0.01)
        try file.setAttribute("grid", [0.1, 1, 10])
        try file.setAttribute("names", ["a", "βγ"])
        let group = try file.createGroup("summary")
        try group.setAttribute("points", Int64(3))
        let set = try group.write("l2", [0.0, 1e-4, 1e-3])
        try set.setAttribute("units", "1")
        try set.setAttribute("units", "none")  // replaces
        try file.close()

        let reopened = try File.open(path)
        #expect(try reopened.attributeNames() == ["name", "seed", "alpha", "grid", "names"])
        #expect(try reopened.attribute("name") == .string("kernel-rich"))
        #expect(try reopened.attribute("seed") == .integer(7))
        #expect(try reopened.attribute("alpha") == .number(0.01))
        #expect(try reopened.attribute("grid") == .numbers([0.1, 1, 10]))
        #expect(try reopened.attribute("names") == .strings(["a", "βγ"]))
        #expect(try reopened.openGroup("summary").attribute("points").doubleValue == 3)
        #expect(try reopened.openDataset("summary/l2").attribute("units") == .string("none"))
        let missing = #expect(throws: HDF5Error.self) { try reopened.attribute("nope") }
        #expect(missing?.description == "\(path): /@nope: no such attribute")
    }

    @Test("groups nest, list members in creation order, and report kinds")
    func groups() throws {
        let dir = try TemporaryDirectory("h5-groups")
        let file = try File.create(dir.file("groups.h5"))
        try file.createGroup("a/b/c")
        try file.write("a/b/zeta", [1.0])
        try file.write("a/b/alpha", [2.0])
        #expect(try file.contains("a/b/c"))
        #expect(try !file.contains("a/x/c"))
        #expect(try file.kind(of: "a/b") == .group)
        #expect(try file.kind(of: "/a/b/zeta") == .dataset)
        #expect(try file.kind(of: "nothing") == nil)
        #expect(try file.openGroup("a/b").memberNames() == ["c", "zeta", "alpha"])
        let group = try file.requireGroup("a/b")
        #expect(group.path == "/a/b")
        #expect(try file.requireGroup("new").path == "/new")
    }
}
