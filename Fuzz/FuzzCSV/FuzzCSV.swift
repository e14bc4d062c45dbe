// libFuzzer harness for the CSV reader: Dataset.parseCSV, and differentially
// Dataset.loadCSV, which streams the same bytes from a file in blocks cut at
// record boundaries: for blocks of 1, 7 and about half the input, it must give
// the same data bit for bit, or the same error word for word. A DataError is a
// fine answer; a trap, a difference, a huge allocation or a hang is a finding.
//
// Input: the first byte chooses the options, the rest is the CSV file.
//   bit 7      dropNonFinite
//   bits 0–1   0: target "y", features nil (every other column)
//              1: target "y", features picked from the header by bits 2–6
//              2: target = the header column at (bits 2–6) mod count, features nil
//              3: target = that column, features picked by the following columns
// The header's names are guessed from the first line with a plain split on
// commas (quotes kept or dropped by bit 6), so the choice also hits names that do
// not exist and near-misses, which exercise the "did you mean" suggestions.
//
// Tests/DataTests/FuzzRegressionTests.swift decodes the regression files the same
// way (`FuzzCSVOptions` there mirrors `options(for:)` here): keep the two in step.
//
// Build and run with scripts/fuzz.sh csv.

import Foundation
import struct Datasets.Dataset
import struct Datasets.LoadReport

/// The file the streamed reading reads (one per fuzzing process).
private let streamedPath = (ProcessInfo.processInfo.environment["REGIME_FUZZ_TMP"] ?? NSTemporaryDirectory())
    + "/fuzz-\(getpid()).csv"

/// What one reading gave: the data and report, or the error's text.
private func outcome(_ body: () throws -> (Dataset, LoadReport)) -> String {
    do {
        let (dataset, report) = try body()
        let bits = (dataset.x.storage + dataset.y).map { String($0.bitPattern, radix: 16) }.joined(separator: ",")
        return "\(dataset.x.rows)x\(dataset.x.columns) \(dataset.featureNames) \(report) \(bits)"
    } catch {
        return "error: \(error)"
    }
}

struct Options {
    var target: String
    var features: [String]?
    var dropNonFinite: Bool
}

/// The options an input's first byte and header choose.
func options(for input: [UInt8]) -> (Options, [UInt8]) {
    guard let control = input.first else { return (Options(target: "y", features: nil, dropNonFinite: false), []) }
    let csv = Array(input.dropFirst())
    let firstLine = csv.prefix { $0 != 0x0A && $0 != 0x0D }
    let names = firstLine.split(separator: 0x2C, omittingEmptySubsequences: false).map { field -> String in
        var text = String(decoding: field, as: UTF8.self)
        if control & 0x40 != 0 { text = text.filter { $0 != "\"" && $0 != "\u{FEFF}" } }
        return text.trimmed([" ", "\t"])
    }
    let pick = Int(control >> 2) & 0x1F
    var options = Options(target: "y", features: nil, dropNonFinite: control & 0x80 != 0)
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

extension String {
    fileprivate func trimmed(_ set: Set<Character>) -> String {
        var text = Substring(self)
        while let first = text.first, set.contains(first) { text = text.dropFirst() }
        while let last = text.last, set.contains(last) { text = text.dropLast() }
        return String(text)
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCSV(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = size == 0 ? [] : Array(UnsafeBufferPointer(start: data!, count: size))
    let (options, csv) = options(for: input)
    do {
        let (dataset, report) = try Dataset.parseCSV(csv, file: "fuzz.csv", target: options.target,
                                                     features: options.features, dropNonFinite: options.dropNonFinite)
        // What a loaded data set promises.
        precondition(dataset.x.rows == dataset.y.count && dataset.featureNames.count == dataset.x.columns)
        precondition(report.rowsRead - report.rowsDropped == dataset.rows)
        precondition(dataset.y.allSatisfy(\.isFinite) && dataset.x.storage.allSatisfy(\.isFinite))
    } catch {
        _ = "\(error)"
    }
    // The same bytes streamed from a file in blocks.
    guard FileManager.default.createFile(atPath: streamedPath, contents: Data(csv)) else { return 0 }
    let whole = outcome {
        try Dataset.parseCSV(csv, file: streamedPath, target: options.target, features: options.features,
                             dropNonFinite: options.dropNonFinite)
    }
    for blockBytes in [1, 7, csv.count / 2 + 1] {
        let streamed = outcome {
            try Dataset.loadCSV(path: streamedPath, target: options.target, features: options.features,
                                dropNonFinite: options.dropNonFinite, blockBytes: blockBytes)
        }
        precondition(streamed == whole, "blocks of \(blockBytes): \(streamed.prefix(300)) ≠ whole: \(whole.prefix(300))")
    }
    return 0
}
