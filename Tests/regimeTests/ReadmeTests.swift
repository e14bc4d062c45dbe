import Foundation
import Testing
import TestSupport

@Suite("README and docs")
struct ReadmeTests {
    @Test("the pipeline reference in docs/pipeline-format.md is what the code says (make docs regenerates it)")
    func referenceMatchesCode() throws {
        let readme = try String(contentsOfFile: Paths.repository("docs/pipeline-format.md").path, encoding: .utf8)
        let start = try #require(readme.range(of: "<!-- reference:start -->\n"))
        let end = try #require(readme.range(of: "<!-- reference:end -->"))
        let documented = String(readme[start.upperBound..<end.lowerBound])
        let generated = try Subprocess.regime(["reference"])
        #expect(generated.status == 0)
        #expect(documented == generated.stdout, "docs/pipeline-format.md's reference is stale: run make docs")
        // Every op and every key of every op appears.
        for op in ["load", "synthesize", "split", "standardize", "reference", "fit", "write", "export", "plot"] {
            #expect(documented.contains("### `\(op)`"))
        }
        for key in ["`optimizer.lr`", "`truth.k`", "`drop_nonfinite`", "`record.every`", "`batch_width`", "`folds`"] {
            #expect(documented.contains(key))
        }
    }

    @Test("the README's plot exists and every study it lists is a pipeline")
    func linkedFiles() throws {
        let readme = try String(contentsOfFile: Paths.repository("README.md").path, encoding: .utf8)
        #expect(FileManager.default.fileExists(atPath: Paths.repository("docs/kernel-rich.png").path))
        let pipelines = try FileManager.default.contentsOfDirectory(atPath: Paths.repository("pipelines").path)
            .filter { $0.hasSuffix(".yaml") }
        #expect(pipelines.count == 13)
        for pipeline in pipelines { #expect(readme.contains("(pipelines/\(pipeline))"), "\(pipeline) is not in the README") }
    }
}
