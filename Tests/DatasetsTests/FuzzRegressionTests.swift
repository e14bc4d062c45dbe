import Datasets
import struct Datasets.Dataset
import Foundation
import HDF5
import Testing
import TestSupport

/// Inputs the fuzzers (scripts/fuzz.sh, Fuzz/) once crashed the loaders with,
/// kept in Tests/Fixtures/fuzz/regressions/{csv,hdf5}/: each must now load or
/// fail with a DataError — a trap would end this test process.
@Suite("Fuzz regressions")
struct FuzzRegressionTests {
    static func files(_ target: String) -> [URL] {
        let directory = Paths.repository("Tests/Fixtures/fuzz/regressions/\(target)")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { !$0.hasPrefix(".") && !$0.hasSuffix(".md") }.sorted().map { directory.appendingPathComponent($0) }
    }

    /// Fails the test unless `body` succeeds or throws a DataError.
    func expectCleanOutcome(_ what: String, _ body: () throws -> Void) {
        do {
            try body()
        } catch is DataError {
        } catch {
            Issue.record("\(what): threw \(type(of: error)), not a DataError: \(error)")
        }
    }

    @Test("CSV reproducers load or fail with a DataError, decoded as FuzzCSV does and as plain CSV")
    func csv() throws {
        for url in Self.files("csv") {
            let input = try #require(FileManager.default.contents(atPath: url.path).map { [UInt8]($0) })
            let (options, csv) = FuzzCSVOptions.decode(input)
            expectCleanOutcome("\(url.lastPathComponent) as FuzzCSV reads it") {
                _ = try Dataset.parseCSV(csv, file: url.lastPathComponent, target: options.target,
                                         features: options.features, dropNonFinite: options.dropNonFinite)
            }
            for drop in [false, true] {
                expectCleanOutcome("\(url.lastPathComponent) whole, target y") {
                    _ = try Dataset.parseCSV(input, file: url.lastPathComponent, target: "y", dropNonFinite: drop)
                }
            }
            // Streamed from a file in blocks, as FuzzCSV checks: the same data or the same error.
            let directory = try TemporaryDirectory("csv-regression")
            let path = directory.file("input.csv")
            #expect(FileManager.default.createFile(atPath: path, contents: Data(csv)))
            func outcome(_ body: () throws -> (Dataset, LoadReport)) -> String {
                do {
                    let (data, report) = try body()
                    return "\(report) \((data.x.storage + data.y).map(\.bitPattern))"
                } catch {
                    return "\(error)"
                }
            }
            let whole = outcome {
                try Dataset.parseCSV(csv, file: path, target: options.target, features: options.features,
                                     dropNonFinite: options.dropNonFinite)
            }
            for blockBytes in [1, 7, csv.count / 2 + 1] {
                let streamed = outcome {
                    try Dataset.loadCSV(path: path, target: options.target, features: options.features,
                                        dropNonFinite: options.dropNonFinite, blockBytes: blockBytes)
                }
                #expect(streamed == whole, "\(url.lastPathComponent), blocks of \(blockBytes)")
            }
        }
    }

    @Test("HDF5 reproducers load or fail with a DataError, with every path and option FuzzHDF5 tries")
    func hdf5() {
        for url in Self.files("hdf5") {
            for x in ["X", "/X", "grp/X", "grp", "/", "X/"] {
                for y in ["y", "/y", "grp/y", "X", "missing", ""] {
                    for features in [nil, "features", "names", "X", "grp"] as [String?] {
                        for drop in [false, true] {
                            expectCleanOutcome("\(url.lastPathComponent) x \(x) y \(y) features \(features ?? "nil") drop \(drop)") {
                                _ = try Dataset.loadHDF5(path: url.path, x: x, y: y, features: features,
                                                         dropNonFinite: drop, locking: .off)
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The options FuzzCSV takes from an input's first byte (Fuzz/FuzzCSV/FuzzCSV.swift,
/// `options(for:)`; keep the two in step): bit 7 drops non-finite rows; bits 0–1
/// choose target and features among the header's names, picked by bits 2–6.
enum FuzzCSVOptions {
    struct Options {
        var target = "y"
        var features: [String]? = nil
        var dropNonFinite = false
    }

    static func decode(_ input: [UInt8]) -> (Options, [UInt8]) {
        guard let control = input.first else { return (Options(), []) }
        let csv = Array(input.dropFirst())
        let firstLine = csv.prefix { $0 != 0x0A && $0 != 0x0D }
        let names = firstLine.split(separator: 0x2C, omittingEmptySubsequences: false).map { field -> String in
            var text = String(decoding: field, as: UTF8.self)
            if control & 0x40 != 0 { text = text.filter { $0 != "\"" && $0 != "\u{FEFF}" } }
            var trimmed = Substring(text)
            while let first = trimmed.first, first == " " || first == "\t" { trimmed = trimmed.dropFirst() }
            while let last = trimmed.last, last == " " || last == "\t" { trimmed = trimmed.dropLast() }
            return String(trimmed)
        }
        let pick = Int(control >> 2) & 0x1F
        var options = Options(dropNonFinite: control & 0x80 != 0)
        switch control & 3 {
        case 0:
            break
        case 1:
            options.features = names.enumerated().filter { index, _ in (pick >> (index % 5)) & 1 == 1 }.map(\.element)
        case 2:
            if !names.isEmpty { options.target = names[pick % names.count] }
        default:
            if !names.isEmpty {
                let target = pick % names.count
                options.target = names[target]
                options.features = names.indices.filter { $0 != target && ($0 + pick) % 3 != 0 }.map { names[$0] }
            }
        }
        return (options, csv)
    }
}
