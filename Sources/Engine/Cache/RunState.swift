import Foundation
import Pipeline
import Operations

/// The key parts of every instance of a stage at its last completed run, by
/// identity — kept so that `--dry-run` can say why an instance must run
/// (parameters changed, input changed, numerics version changed) rather than
/// only that its key is new.
struct RunState: Codable, Equatable {
    var instances: [String: StageInstance.KeyParts]

    static func load(_ cache: Cache, stage: String) -> RunState? {
        guard let text = cache.readText(cache.statePath(stage), what: "the last run of stage \(stage)") else { return nil }
        return try? JSONDecoder().decode(RunState.self, from: Data(text.utf8))
    }

    func save(_ cache: Cache, stage: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(self)
        try cache.write(String(decoding: data, as: UTF8.self), to: cache.statePath(stage))
    }

    /// Why an instance with these parts differs from its last run.
    static func reason(now: StageInstance.KeyParts, before: StageInstance.KeyParts?) -> String {
        guard let before else { return "output missing" }
        if now.numerics != before.numerics { return "numerics version changed" }
        if now.parameters != before.parameters { return "parameters changed" }
        if now.stream != before.stream { return "seed changed" }
        if now.files != before.files { return "input changed: " + changedFiles(now.files, before.files).joined(separator: ", ") }
        if now.inputs != before.inputs { return "input changed" }
        if now.provenance != before.provenance { return "pipeline text changed" }
        return "output missing"
    }

    /// The files (as the pipeline names them) whose digest differs, or that
    /// were not read before; from `key=path@digest` lists.
    static func changedFiles(_ now: String, _ before: String) -> [String] {
        let old = Set(before.split(separator: ";").map(String.init))
        return now.split(separator: ";").filter { !old.contains(String($0)) }.compactMap { entry in
            guard let equals = entry.firstIndex(of: "="), let at = entry.lastIndex(of: "@") else { return nil }
            return String(entry[entry.index(after: equals)..<at])
        }
    }
}
