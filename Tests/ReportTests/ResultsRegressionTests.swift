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
}
