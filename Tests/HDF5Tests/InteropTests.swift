import Foundation
import HDF5
import Testing
import TestSupport

/// Files regime writes, read by h5py, h5dump and xarray; files h5py writes, read by regime.
@Suite("HDF5 interop with h5py, h5dump and xarray")
struct InteropTests {
    /// A file with one of everything regime writes.
    private func writeSample(_ path: String) throws {
        let file = try File.create(path)
        try file.setAttribute("regime_version", "0.1.0")
        try file.setAttribute("seed", Int64(7))
        try file.setAttribute("ratio", 0.5)
        try file.setAttribute("grid", [1.0, 2.0])
        try file.setAttribute("names", ["α", "β"])
        let summary = try file.createGroup("summary")
        let point = try summary.write("point", [Int64(0), 1, 2])
        try point.makeDimensionScale(named: "point")
        let mse = try summary.write("train_mse", [0.5, 0.25, 0.125])
        try mse.attachDimensionScale(point, toAxis: 0)
        try mse.setAxisLabel("point", axis: 0)
        let status = try summary.writeStrings("status", ["ok", "diverged", "ok"])
        try status.attachDimensionScale(point, toAxis: 0)
        let weights = (0..<(3 * 2000)).map { sin(Double($0)) }
        try file.write("weights", weights, shape: [3, 2000])
        try file.write("flags", [true, false, true])
        try file.write("f32", [Float(0.5), 1.5])
        let trajectories = try file.createGroup("trajectories")
        let tpoint = try trajectories.write("point", [Int64(0), 1, 2])
        try tpoint.makeDimensionScale(named: "point")
        let step = try trajectories.write("step", [Int64(0), 10])
        try step.makeDimensionScale(named: "step")
        let loss = try trajectories.write("loss", [1.0, 0.5, 2.0, 1.0, 3.0, .nan], shape: [3, 2])
        try loss.attachDimensionScale(tpoint, toAxis: 0)
        try loss.attachDimensionScale(step, toAxis: 1)
        #expect(try step.isDimensionScale && !loss.isDimensionScale)
        #expect(try loss.attachedScaleCount(axis: 1) == 1)
        try file.close()
    }

    @Test("h5py reads what regime writes: shapes, dtypes, chunks, filters, str attributes, scales, values")
    func h5pyReadsRegime() throws {
        let dir = try TemporaryDirectory("h5-interop")
        let path = dir.file("sample.h5")
        try writeSample(path)
        let description = try Python.json("h5_describe.py", [path])
        let datasets = try #require(description["datasets"] as? [String: [String: Any]])
        let root = try #require((description["groups"] as? [String: [String: Any]])?["/"])
        let attrs = try #require(root["attrs"] as? [String: [String: Any]])
        #expect(attrs["regime_version"]?["type"] as? String == "str")
        #expect(attrs["regime_version"]?["value"] as? String == "0.1.0")
        #expect(attrs["seed"]?["type"] as? String == "int64")
        #expect(attrs["ratio"]?["type"] as? String == "float64")
        #expect(attrs["names"]?["type"] as? String == "ndarray[str]")
        #expect(attrs["names"]?["value"] as? [String] == ["α", "β"])
        #expect(root["members"] as? [String] == ["summary", "weights", "flags", "f32", "trajectories"])

        let weights = try #require(datasets["/weights"])
        #expect(weights["shape"] as? [Int] == [3, 2000])
        #expect(weights["dtype"] as? String == "float64")
        #expect(weights["compression"] as? String == "gzip")
        #expect(weights["shuffle"] as? Bool == true)
        #expect((weights["chunks"] as? [Int])?.last == 2000)
        let values = try #require(Python.doubles(weights["values"]))
        #expect(bitIdentical(values, (0..<6000).map { sin(Double($0)) }), "weights differ bitwise")

        let status = try #require(datasets["/summary/status"])
        let encoding = (status["string"] as? [String: Any])?["encoding"] as? String
        #expect(encoding == "utf-8")
        #expect((status["string"] as? [String: Any])?["length"] is NSNull, "variable length")
        #expect(status["values"] as? [String] == ["ok", "diverged", "ok"])
        #expect(datasets["/flags"]?["dtype"] as? String == "bool")
        #expect(datasets["/flags"]?["values"] as? [Bool] == [true, false, true])
        #expect(datasets["/f32"]?["dtype"] as? String == "float32")

        #expect(datasets["/summary/point"]?["is_scale"] as? Bool == true)
        let mseDims = try #require(datasets["/summary/train_mse"]?["dims"] as? [[String: Any]])
        #expect(mseDims.first?["label"] as? String == "point")
        #expect(mseDims.first?["scales"] as? [String] == ["/summary/point"])
        let lossDims = try #require(datasets["/trajectories/loss"]?["dims"] as? [[String: Any]])
        #expect(lossDims.map { $0["scales"] as? [String] ?? [] } == [["/trajectories/point"], ["/trajectories/step"]])
    }

    @Test("h5dump reads what regime writes")
    func h5dumpReadsRegime() throws {
        let dir = try TemporaryDirectory("h5-dump")
        let path = dir.file("sample.h5")
        try writeSample(path)
        let header = try Subprocess.run("/usr/bin/env", ["h5dump", "-p", "-H", path])
        #expect(header.status == 0, "h5dump: \(header.stderr)")
        #expect(header.stdout.contains("DATASET \"weights\""))
        #expect(header.stdout.contains("CHUNKED"))
        #expect(header.stdout.contains("SHUFFLE"))
        #expect(header.stdout.contains("COMPRESSION DEFLATE"))
        #expect(header.stdout.contains("H5T_CSET_UTF8"))
        #expect(header.stdout.contains("STRSIZE H5T_VARIABLE"))
        let data = try Subprocess.run("/usr/bin/env", ["h5dump", "-d", "/summary/train_mse", path])
        #expect(data.status == 0)
        #expect(data.stdout.contains("(0): 0.5, 0.25, 0.125"))
        let text = try Subprocess.run("/usr/bin/env", ["h5dump", "-d", "/summary/status", path])
        #expect(text.stdout.contains("\"ok\", \"diverged\", \"ok\""))
    }

    @Test("xarray (h5netcdf) names the axes from regime's dimension scales")
    func xarrayNamesDimensions() throws {
        let dir = try TemporaryDirectory("h5-xarray")
        let path = dir.file("sample.h5")
        try writeSample(path)
        let summary = try Python.json("xarray_dims.py", [path, "summary"])
        #expect((summary["train_mse"] as? [String: Any])?["dims"] as? [String] == ["point"])
        #expect((summary["status"] as? [String: Any])?["dims"] as? [String] == ["point"])
        let trajectories = try Python.json("xarray_dims.py", [path, "trajectories"])
        #expect((trajectories["loss"] as? [String: Any])?["dims"] as? [String] == ["point", "step"])
    }

    @Test("regime reads what h5py writes: numeric types, gzip, bool, fixed and variable strings, attributes")
    func regimeReadsH5py() throws {
        let dir = try TemporaryDirectory("h5-from-h5py")
        let path = dir.file("fixture.h5")
        let expected = try Python.json("h5_write_fixture.py", [path])
        let file = try File.open(path)
        #expect(try file.openDataset("x32").storedType == .float(bits: 32))
        #expect(try file.openDataset("x32").shape == [7, 3])
        #expect(try file.openDataset("x32").readDoubles() == Python.doubles(expected["x32"]))
        #expect(try file.openDataset("group/i16").readDoubles() == (expected["i16"] as? [Int])?.map(Double.init))
        #expect(try file.openDataset("i64").read(as: Int64.self) == (expected["i64"] as? [Int])?.map(Int64.init))
        #expect(try file.openDataset("u8").read(as: UInt8.self) == (expected["u8"] as? [Int])?.map { UInt8($0) })
        #expect(try file.openDataset("flags").read(as: Bool.self) == expected["flags"] as? [Bool])
        #expect(try file.openDataset("big").filters == ["shuffle", "deflate"])
        let big = try #require(Python.doubles(expected["big"]))
        #expect(bitIdentical(try file.openDataset("big").readDoubles(), big), "gzip data differs")
        #expect(try file.openDataset("big").readRows(50..<51, as: Double.self) == Array(big[1500..<1530]))
        #expect(try file.openDataset("vlen").readStrings() == expected["vlen"] as? [String])
        #expect(try file.openDataset("vlen_ascii").readStrings() == ["a", "bc"])
        #expect(try file.openDataset("fixed").storedType == .string(variableLength: false))
        #expect(try file.openDataset("fixed").readStrings() == expected["fixed"] as? [String])
        #expect(try file.openDataset("fixed_utf8").readStrings() == ["é", "ab"])
        #expect(try file.attribute("title") == .string("a run"))
        #expect(try file.attribute("count") == .integer(42))
        #expect(try file.attribute("scale") == .number(0.25))
        #expect(try file.attribute("vector") == .numbers([1.5, 2.5]))
        #expect(try file.attribute("labels") == .strings(["x", "yz"]))
        #expect(try file.openDataset("x32").attribute("fixed_attr") == .string("fixed"))
        // h5py does not track creation order: members and attributes come by name.
        #expect(try file.memberNames() == ["big", "fixed", "fixed_utf8", "flags", "group", "i64", "u8", "vlen", "vlen_ascii", "x32"])
        try file.close()
    }
}

/// File locking, against a second process (h5py) that locks. Serialized: one
/// test sets HDF5_USE_FILE_LOCKING in this process.
@Suite("HDF5 file locking", .serialized)
struct FileLockingTests {
    @Test("file locking: 'on' keeps a second process out while a writer holds the file; 'off' does not lock")
    func fileLocking() throws {
        let dir = try TemporaryDirectory("h5-locking")
        let locked = dir.file("locked.h5")
        let writer = try File.create(locked, locking: .on)
        try writer.write("x", [1.0])
        try writer.flush()
        let probe = try Python.run("h5_lock_probe.py", [locked]).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(probe.hasPrefix("refused"), "probe: \(probe)")
        try writer.close()
        #expect(try Python.run("h5_lock_probe.py", [locked]).hasPrefix("opened"))

        let unlocked = dir.file("unlocked.h5")
        let free = try File.create(unlocked, locking: .off)
        try free.write("x", [1.0])
        try free.flush()
        let freeProbe = try Python.run("h5_lock_probe.py", [unlocked])
        #expect(freeProbe.hasPrefix("opened"), "probe: \(freeProbe)")
        try free.close()

        // best-effort opens wherever locking works too.
        let reader = try File.open(locked, locking: .bestEffort)
        #expect(try reader.openDataset("x").readDoubles() == [1])
        try reader.close()
    }

    @Test("HDF5_USE_FILE_LOCKING=FALSE wins over locking: .on")
    func environmentWins() throws {
        let dir = try TemporaryDirectory("h5-locking-env")
        let path = dir.file("env.h5")
        // The environment is given to this one call, not set for the whole
        // test process (other suites open files meanwhile).
        let writer = try File.create(path, locking: .on, environment: ["HDF5_USE_FILE_LOCKING": "FALSE"])
        try writer.write("x", [1.0])
        try writer.flush()
        // The probe locks (the variable is not in its environment); the writer
        // took no lock, so the probe gets in.
        let probe = try Python.run("h5_lock_probe.py", [path], unsetting: ["HDF5_USE_FILE_LOCKING"])
        #expect(probe.hasPrefix("opened"), "probe: \(probe)")
        try writer.close()
    }
}
