import Foundation
import Testing
import TestSupport

/// Golden diagnostics: every broken pipeline in Tests/Fixtures/diagnostics, run
/// through `regime check` (with the arguments of its .args file, one per line),
/// must exit 2 and print exactly its .expected text.
@Suite("diagnostics corpus")
struct DiagnosticCorpusTests {
    static let directory = Paths.repository("Tests/Fixtures/diagnostics")

    static var cases: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [])
            .filter { $0.hasSuffix(".yaml") }.sorted()
    }

    @Test("the corpus is there", .tags(.corpus))
    func corpusExists() {
        #expect(DiagnosticCorpusTests.cases.count >= 16)
    }

    @Test("each broken pipeline gets its whole expected message and exit code 2", arguments: DiagnosticCorpusTests.cases)
    func diagnostic(file: String) throws {
        let stem = String(file.dropLast(5))
        let argumentsFile = DiagnosticCorpusTests.directory.appendingPathComponent(stem + ".args").path
        var arguments = ["check", file]
        if let text = try? String(contentsOfFile: argumentsFile, encoding: .utf8) {
            for line in text.split(separator: "\n") {
                let parts = line.split(separator: " ", maxSplits: 1).map(String.init)
                arguments += parts
            }
        }
        let result = try Subprocess.regime(arguments, currentDirectory: DiagnosticCorpusTests.directory.path)
        let expected = try String(contentsOfFile: DiagnosticCorpusTests.directory.appendingPathComponent(stem + ".expected").path,
                                  encoding: .utf8)
        #expect(result.status == 2)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr == expected)
    }
}

extension Tag {
    @Tag static var corpus: Self
}
