import ArgumentParser
import Engine
import Operations
import Foundation
import Pipeline

/// What every command reading a pipeline takes.
struct PipelineOptions: ParsableArguments {
    @Argument(help: "The pipeline file (YAML).")
    var pipeline: String

    @Option(name: .customLong("set"), help: ArgumentHelp("Override a value: stage.key=value or a top-level key (seed=3); repeatable.",
                                                          valueName: "key=value"))
    var overrides: [String] = []

    @Option(help: ArgumentHelp("The memory the run may use (e.g. 8G, 512M; default: what the machine has available).",
                               valueName: "size"))
    var memory: String?

    /// The memory limit: --memory, else what the machine has available.
    func memoryLimit() throws -> MemoryLimit? {
        if let memory {
            guard let bytes = AvailableMemory.parse(memory) else {
                printError("--memory takes a size such as 8G or 512M, not '\(memory)'")
                throw ExitCode(64)
            }
            return MemoryLimit(bytes: bytes, source: "--memory")
        }
        return AvailableMemory.bytes().map { MemoryLimit(bytes: $0, source: "the memory available") }
    }

    /// Loads and validates the pipeline and expands its plan; on any problem
    /// prints every diagnostic and exits with 2.
    func plan() throws -> Plan {
        do {
            let spec = try PipelineLoader(registry: regimeOperations).load(path: pipeline, overrides: overrides)
            return try Plan(spec)
        } catch {
            writeStderr(error.description + "\n")
            throw ExitCode(Exit.inputError)
        }
    }
}
