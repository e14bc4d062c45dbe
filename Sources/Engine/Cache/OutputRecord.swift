import Foundation
import Operations

/// What a write or export stage last produced: its content key and the file's
/// size and modification time then. An output is up to date when the file is
/// still there, unchanged, and the key still matches; an unchanged rerun
/// therefore writes nothing and make sees the file up to date.
struct OutputRecord: Equatable {
    var key: String
    var size: UInt64
    var modified: Double
    var path: String

    static func current(of path: String, key: String) -> OutputRecord? {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
              let size = (attributes[.size] as? NSNumber)?.uint64Value,
              let date = attributes[.modificationDate] as? Date else { return nil }
        return OutputRecord(key: key, size: size, modified: date.timeIntervalSince1970, path: path)
    }

    var text: String { "\(key) \(size) \(modified) \(path)\n" }

    init(key: String, size: UInt64, modified: Double, path: String) {
        self.key = key
        self.size = size
        self.modified = modified
        self.path = path
    }

    init?(text: String) {
        let parts = text.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: " ", maxSplits: 3)
        guard parts.count == 4, let size = UInt64(parts[1]), let modified = Double(parts[2]) else { return nil }
        self.init(key: String(parts[0]), size: size, modified: modified, path: String(parts[3]))
    }
}

extension Cache {
    func outputRecord(for output: String) -> OutputRecord? {
        readText(outputRecordPath(output), what: "the record of \(output)").flatMap(OutputRecord.init(text:))
    }

    func recordOutput(_ output: String, key: String) throws {
        guard let record = OutputRecord.current(of: output, key: key) else { return }
        try write(record.text, to: outputRecordPath(output))
    }
}
