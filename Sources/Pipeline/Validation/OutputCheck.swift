import Foundation

/// Outputs never overwrite inputs: an output path that is a file some stage
/// reads, the pipeline file itself, or the output of another stage, is an
/// error before anything runs. Paths are compared as the file system sees
/// them — relative spellings, `..`, symbolic links and hard links included.
enum OutputCheck {
    static func diagnostics(stages: [StageSpec], nodes: [String: SpecNode.Map], pipeline: String,
                            directory: String?) -> [Diagnostic] {
        func resolve(_ path: String) -> String {
            path.hasPrefix("/") || directory == nil || directory == "." ? path : directory! + "/" + path
        }
        // Every file read: by stage and key, with swept values too.
        var inputs: [(stage: String, key: String, path: String, identity: FileIdentity)] = []
        for stage in stages {
            let keys = Set(stage.operation.schema.filePaths(.input))
            for (key, path) in stage.operation.files(.input, in: stage.parameters) {
                inputs.append((stage.id, key, path, FileIdentity(resolve(path))))
            }
            for axis in stage.sweep.axes {
                var swept: [(String, Value)] = []
                switch axis {
                case .values(let key, let values): swept = values.map { (key, $0) }
                case .zip(let keys, let rows): swept = rows.flatMap { Array(zip(keys, $0)) }
                case .repeat, .folds: break
                }
                for (key, value) in swept where keys.contains(key) {
                    if let path = value.string { inputs.append((stage.id, key, path, FileIdentity(resolve(path)))) }
                }
            }
        }
        let pipelineIdentity = FileIdentity(pipeline)
        var diagnostics: [Diagnostic] = []
        var written: [(stage: String, path: String, identity: FileIdentity)] = []
        for stage in stages {
            for (key, path) in stage.operation.files(.output, in: stage.parameters) {
                let identity = FileIdentity(resolve(path))
                let location = nodes[stage.id]?.node(path: key)?.location ?? stage.location
                if identity == pipelineIdentity {
                    diagnostics.append(Diagnostic("'\(key)' of stage '\(stage.id)' is the pipeline file itself; writing it would destroy the pipeline",
                                                  at: location))
                } else if let input = inputs.first(where: { $0.identity == identity }) {
                    diagnostics.append(Diagnostic("'\(key)' of stage '\(stage.id)' names '\(path)', which stage '\(input.stage)' reads ('\(input.key)'); writing it would overwrite the input",
                                                  at: location))
                } else if let other = written.first(where: { $0.identity == identity }) {
                    diagnostics.append(Diagnostic("stages '\(other.stage)' and '\(stage.id)' both write '\(path)'; give each output its own file",
                                                  at: location))
                }
                written.append((stage.id, path, identity))
            }
        }
        return diagnostics
    }
}

/// What makes two paths the same file: the device and inode when the file
/// exists (hard links, symbolic links), else the absolute path with `.`, `..`
/// and the symbolic links of its existing directories resolved.
public struct FileIdentity: Equatable, Sendable {
    let path: String
    let node: (device: UInt64, inode: UInt64)?

    public init(_ path: String) {
        var status = stat()
        if stat(path, &status) == 0 {
            node = (UInt64(status.st_dev), UInt64(status.st_ino))
        } else {
            node = nil
        }
        self.path = FileIdentity.canonical(path)
    }

    /// The absolute path, with the longest existing prefix resolved by realpath.
    static func canonical(_ path: String) -> String {
        let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        var parts: [Substring] = []
        for part in absolute.split(separator: "/") where part != "." {
            if part == ".." { _ = parts.popLast() } else { parts.append(part) }
        }
        var existing = "/" + parts.joined(separator: "/")
        var rest: [String] = []
        while !existing.isEmpty, existing != "/" {
            if let resolved = realpath(existing, nil) {
                defer { free(resolved) }
                return ([String(cString: resolved)] + rest.reversed()).joined(separator: "/")
            }
            let slash = existing.lastIndex(of: "/") ?? existing.startIndex
            rest.append(String(existing[existing.index(after: slash)...]))
            existing = String(existing[..<slash])
        }
        return "/" + rest.reversed().joined(separator: "/")
    }

    public static func == (a: FileIdentity, b: FileIdentity) -> Bool {
        if let x = a.node, let y = b.node { return x == y }
        return a.path == b.path
    }
}
