import Foundation
import HDF5
import Report
import ResultsFormat
import Testing
import TestSupport

/// Results files the fuzzer (Fuzz/FuzzResults) once crashed the reader or its
/// renderings with, in Tests/Fixtures/fuzz/regressions/results/: each must be
/// refused with a clear error or read and rendered whole — never trap.
@Suite("results reader regressions")
struct ResultsRegressionTests {
    static var files: [String] {
        let directory = Paths.repository("Tests/Fixtures/fuzz/regressions/results").path
        return ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
            .filter { $0.hasSuffix(".h5") }.sorted().map { directory + "/" + $0 }
    }

    @Test("the reproducers are there")
    func present() { #expect(Self.files.count >= 7) }

    @Test("each reproducer is refused naming the dataset, or read and rendered", arguments: Self.files)
    func reproducer(path: String) throws {
        do {
            let results = try Results(contentsOf: path)
            _ = try? results.summary.text()
            _ = CSV.summary(results.summary)
            _ = CSV.trajectories(results)
            _ = HTMLReport.render(results)
        } catch let error as ResultsError {
            #expect(error.description.hasPrefix("\(path): /"), "names the file and dataset: \(error)")
        } catch let error as HDF5Error {
            #expect(error.file == path)
        }
    }

    @Test("a /samples dataset declaring 2^28 values per point (never written) is refused, naming it, before any read")
    func oversizedSamples() throws {
        let dir = try TemporaryDirectory("oversized-samples")
        let path = dir.file("r.h5")
        let file = try File.create(path)
        let summary = try file.createGroup("summary")
        let status = try summary.writeStrings("status", ["ok"])
        try status.setAttribute("role", "outcome")
        let samples = try file.createGroup("samples")
        for name in ["images", "nearest_train"] {
            _ = try samples.createDataset(name, of: Double.self, shape: [1, 1 << 14, 128, 128],
                                          storage: .chunked(chunks: [1, 1, 128, 128], deflate: nil, shuffle: false), fill: .nan)
        }
        try file.close()
        #expect(throws: ResultsError.self) { try Results(contentsOf: path) }
        do { _ = try Results(contentsOf: path) } catch { #expect("\(error)".hasPrefix("\(path): /samples/images")) }
    }
}
