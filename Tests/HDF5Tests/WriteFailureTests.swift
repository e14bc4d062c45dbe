import Base
import Foundation
import HDF5
import Testing
import TestSupport

@Suite("HDF5 writes that fail, and files held in memory")
struct WriteFailureTests {
    /// Bytes free on the file system of `path`.
    func freeBytes(_ path: String) -> Int {
        var info = statvfs()
        statvfs(path, &info)
        return Int(info.f_bavail) * Int(info.f_frsize)
    }

    @Test("a full disk fails the write, flush or close with the OS reason, and frees the file's space")
    func diskFull() throws {
        try Tmpfs.with(kilobytes: 256) { mount in
            let free = freeBytes(mount)
            let path = mount + "/full.h5"
            let error = try #require(#expect(throws: HDF5Error.self) {
                try File.withNew(path) { file in
                    // 800 KB of incompressible numbers, with a group left open.
                    let group = try file.createGroup("summary")
                    try group.write("x", (0..<100_000).map { Double($0).squareRoot() }, storage: .contiguous)
                }
            })
            #expect(error.systemReason == "No space left on device", "stack: \(error.stack)")
            #expect(error.file == path)
            try FileManager.default.removeItem(atPath: path)
            // The failed file is closed: deleting it gives its space back.
            #expect(freeBytes(mount) >= free - 8192)
            try File.withNew(path) { try $0.write("x", [1.0, 2.0]) }
            #expect(try File.open(path).openDataset("x").readDoubles() == [1.0, 2.0])
        }
    }

    @Test("closing a file closes what is still open in it; flush errors surface at close")
    func strongClose() throws {
        let directory = try TemporaryDirectory("h5-strong")
        let file = try File.create(directory.file("s.h5"))
        let dataset = try file.write("x", [1.0, 2.0, 3.0])
        let group = try file.createGroup("g")
        try file.close()
        _ = (dataset, group)  // their deinit after the file closed is harmless
        #expect(try File.open(directory.file("s.h5")).openDataset("x").readDoubles() == [1.0, 2.0, 3.0])
    }

    @Test("a file built in memory round-trips through its bytes, and h5py reads those bytes")
    func image() throws {
        let bytes = try File.image(name: "memory") { file in
            try file.setAttribute("kind", "data")
            try file.write("X", (0..<6000).map { Double($0) / 7 }, shape: [1000, 6])
            try file.writeStrings("names", ["a", "b"])
        }
        let file = try File.open(image: bytes, name: "cached.h5")
        #expect(try file.attribute("kind").stringValue == "data")
        #expect(try file.openDataset("X").shape == [1000, 6])
        #expect(try file.openDataset("X").readDoubles() == (0..<6000).map { Double($0) / 7 })
        #expect(try file.openDataset("names").readStrings() == ["a", "b"])
        try file.close()

        let directory = try TemporaryDirectory("h5-image")
        let path = directory.file("image.h5")
        try DurableFile.write(bytes, to: path)
        let description = try Python.json("h5_describe.py", [path])
        let datasets = try #require(description["datasets"] as? [String: Any])
        #expect((datasets["/X"] as? [String: Any])?["shape"] as? [Int] == [1000, 6])
        #expect((datasets["/names"] as? [String: Any])?["values"] as? [String] == ["a", "b"])

        let garbage = #expect(throws: HDF5Error.self) { try File.open(image: Array(bytes.prefix(100)), name: "cut.h5") }
        #expect(garbage?.file == "cut.h5")
        let notHDF5 = #expect(throws: HDF5Error.self) { try File.open(image: [1, 2, 3], name: "x.h5") }
        #expect(notHDF5?.description == "x.h5: not an HDF5 file (no HDF5 signature)")
    }
}
