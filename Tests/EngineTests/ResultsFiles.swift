import Foundation
import HDF5

/// Every dataset of a results file, read through regime's HDF5 module, for
/// bit-for-bit comparisons that must run many times (the corruption campaign):
/// numbers as their bit patterns, strings as text. Attributes are not compared
/// (`created` always differs).
enum ResultsFiles {
    enum Contents: Equatable {
        case numbers(shape: [Int], bits: [UInt64])
        case strings([String])
    }

    /// A results file held open with readers of its /summary columns (close the file when done).
    static func summary(_ path: String) throws -> (file: File, strings: (String) throws -> [String], numbers: (String) throws -> [Double]) {
        let file = try File.open(path)
        let group = try file.openGroup("summary")
        return (file, { try group.openDataset($0).readStrings() }, { try group.openDataset($0).readDoubles() })
    }

    static func datasets(_ path: String) throws -> [String: Contents] {
        let file = try File.open(path)
        defer { try? file.close() }
        var found: [String: Contents] = [:]
        func visit(_ container: Container) throws {
            for name in try container.memberNames() {
                let full = container.path == "/" ? "/" + name : container.path + "/" + name
                switch try container.kind(of: name) {
                case .group: try visit(container.openGroup(name))
                case .dataset:
                    let set = try container.openDataset(name)
                    if case .string = try set.storedType {
                        found[full] = .strings(try set.readStrings())
                    } else {
                        found[full] = .numbers(shape: try set.shape, bits: try set.readDoubles().map(\.bitPattern))
                    }
                default: break
                }
            }
        }
        try visit(file)
        return found
    }

    /// The paths of the datasets that differ (or exist in one file only).
    static func differences(_ a: String, _ b: String) throws -> [String] {
        let left = try datasets(a), right = try datasets(b)
        return Set(left.keys).union(right.keys).filter { left[$0] != right[$0] }.sorted()
    }
}
