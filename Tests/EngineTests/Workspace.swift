import Foundation
import TestSupport

/// A temporary directory holding a copy of a fixture pipeline, where tests run
/// the built `regime` as a user would.
struct Workspace {
    let directory: TemporaryDirectory
    let pipeline: String

    init(_ fixture: String = "sweep.yaml", label: String = "engine") throws {
        directory = try TemporaryDirectory(label)
        pipeline = directory.file("pipeline.yaml")
        try FileManager.default.copyItem(atPath: Paths.repository("Tests/Fixtures/pipelines/\(fixture)").path, toPath: pipeline)
    }

    func path(_ relative: String) -> String { directory.file(relative) }

    /// Runs `regime <command> pipeline.yaml <arguments>` in the workspace.
    @discardableResult
    func regime(_ command: String = "run", _ arguments: [String] = [], environment: [String: String]? = nil,
                unsetting: [String] = []) throws -> ProcessResult {
        try Subprocess.regime([command, pipeline] + arguments, currentDirectory: directory.path, environment: environment,
                              unsetting: unsetting)
    }

    /// Starts `regime run` in the background (output discarded, stderr to
    /// `stderr` when given) and returns the running process.
    func start(_ arguments: [String], stderr: Pipe? = nil) throws -> Process {
        let process = Process()
        process.executableURL = Paths.regimeBinary
        process.arguments = ["run", pipeline] + arguments
        process.currentDirectoryURL = directory.url
        process.standardOutput = FileHandle.nullDevice
        process.standardError = stderr ?? FileHandle.nullDevice
        try process.run()
        return process
    }

    /// Waits (up to a minute) until the run has committed a fit batch, or stopped.
    func waitForFirstBatch(of process: Process) {
        let deadline = Date().addingTimeInterval(60)
        while committedBatches() < 1, process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
    }

    /// How many fit batch files the cache holds.
    func committedBatches() -> Int {
        ((FileManager.default.enumerator(atPath: path(".regime/batches"))?.allObjects as? [String]) ?? [])
            .filter { $0.hasSuffix(".h5") }.count
    }

    /// The units a traced run executed.
    func trace(_ file: String) throws -> [TraceEntry] {
        let text = (try? String(contentsOfFile: path(file), encoding: .utf8)) ?? ""
        return try text.split(separator: "\n").map { try JSONDecoder().decode(TraceEntry.self, from: Data($0.utf8)) }
    }

    /// Every dataset of two results files compared bit for bit (by h5py).
    static func differences(_ a: String, _ b: String) throws -> (datasets: Int, different: [String]) {
        let result = try Python.json("h5_compare.py", [a, b])
        return (result["datasets"] as? Int ?? 0, result["different"] as? [String] ?? ["(no answer)"])
    }
}

struct TraceEntry: Decodable {
    var unit: Int
    var kind: String
    var stage: String
    var points: Int
    var dependencies: [Int]
    var start: Double
    var end: Double
}
