import ArgumentParser
import Engine
import Operations
import Pipeline

/// `regime reference`: every op and key of the pipeline format, from the code.
struct ReferenceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reference",
        abstract: "Print the pipeline reference (every op and key: type, default, meaning) as Markdown.")

    func run() {
        print(regimeOperations.referenceMarkdown, terminator: "")
    }
}
