import ArgumentParser
import Engine
import Foundation
import Pipeline

/// What every command reading a pipeline takes.
struct PipelineOptions: ParsableArguments {
    @Argument(help: "The pipeline file (YAML).")
    var pipeline: String

    @Option(name: .customLong("set"), help: ArgumentHelp("Override a value: stage.key=value or a top-level key (seed=3); repeatable.",
                                                          valueName: "key=value"))
    var overrides: [String] = []

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
