import Base
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
        let data = Data(text.utf8)
        if let stored = try? JSONDecoder().decode(Stored.self, from: data), let state = stored.state { return state }
        return try? JSONDecoder().decode(RunState.self, from: data)  // as regime wrote it before the table of parts
    }

    func save(_ cache: Cache, stage: String) throws {
        let data = try JSONEncoder().encode(Stored(self))
        try cache.write(String(decoding: data, as: UTF8.self), to: cache.statePath(stage))
    }

    /// The state as stored: each distinct part once (long ones as
    /// fingerprints; the file list as is, to name what changed), and per
    /// instance the positions of its six parts. A 10,000-point sweep's state
    /// was 6 MB of JSON objects and took 40 MB to encode.
    struct Stored: Codable {
        var format = 2
        var parts: [String] = []
        var identities: [String] = []
        /// Per instance, six positions in `parts`: numerics, parameters,
        /// inputs, stream, provenance, files (one flat list: cheap to encode).
        var instances: [Int] = []

        init(_ state: RunState) {
            var position: [String: Int] = [:]
            func index(_ part: String) -> Int {
                if let known = position[part] { return known }
                position[part] = parts.count
                parts.append(part)
                return parts.count - 1
            }
            for identity in state.instances.keys.sorted() {
                let p = state.instances[identity]!
                identities.append(identity)
                let stored = RunState.stored(p)
                instances += [stored.numerics, stored.parameters, stored.inputs, stored.stream, stored.provenance,
                              stored.files].map(index)
            }
        }

        var state: RunState? {
            guard format == 2, instances.count == 6 * identities.count, instances.allSatisfy(parts.indices.contains) else {
                return nil
            }
            var result: [String: StageInstance.KeyParts] = [:]
            result.reserveCapacity(identities.count)
            for (position, identity) in identities.enumerated() {
                let p = instances[(6 * position)..<(6 * position + 6)].map { parts[$0] }
                result[identity] = StageInstance.KeyParts(numerics: p[0], parameters: p[1], inputs: p[2], stream: p[3],
                                                          provenance: p[4], files: p[5])
            }
            return RunState(instances: result)
        }
    }

    /// Why an instance with these parts differs from its last run.
    static func reason(now: StageInstance.KeyParts, before: StageInstance.KeyParts?) -> String {
        guard let before else { return "output missing" }
        func differ(_ a: String, _ b: String) -> Bool { fingerprint(a) != fingerprint(b) }
        if differ(now.numerics, before.numerics) { return "numerics version changed" }
        if differ(now.parameters, before.parameters) { return "parameters changed" }
        if differ(now.stream, before.stream) { return "seed changed" }
        if now.files != before.files { return "input changed: " + changedFiles(now.files, before.files).joined(separator: ", ") }
        if differ(now.inputs, before.inputs) { return "input changed" }
        if differ(now.provenance, before.provenance) { return "pipeline text changed" }
        return "output missing"
    }

    /// Key parts as the state stores them: each part fingerprinted, the file list as is.
    static func stored(_ parts: StageInstance.KeyParts) -> StageInstance.KeyParts {
        StageInstance.KeyParts(numerics: fingerprint(parts.numerics), parameters: fingerprint(parts.parameters),
                               inputs: fingerprint(parts.inputs), stream: fingerprint(parts.stream),
                               provenance: fingerprint(parts.provenance), files: parts.files)
    }

    /// A key part as the state stores it: as is up to 80 characters, else its
    /// SHA-256 (71 characters, so a fingerprint is its own fingerprint). The
    /// reasons only compare parts, and a sweep point's parameters run to
    /// hundreds of characters.
    static func fingerprint(_ part: String) -> String {
        part.utf8.count <= 80 ? part : "sha256:" + SHA256Digest(hashing: part).hex
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
