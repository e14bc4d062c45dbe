import Foundation
import HDF5
import Testing
import TestSupport

@Suite("less common paths through a pipeline")
struct FeatureTests {
    @Test("an HDF5 data set with a predefined test set, SGD with repeats, and the logistic loss on sign labels")
    func features() throws {
        let workspace = try Workspace("features.yaml", label: "features")
        // Train and test files as regime convert writes them.
        for (name, rows) in [("train", 0..<300), ("test", 300..<442)] {
            let csv = try String(contentsOfFile: Paths.repository("data/diabetes.csv").path, encoding: .utf8)
                .split(separator: "\n").map(String.init)
            let text = ([csv[0]] + rows.map { csv[$0 + 1] }).joined(separator: "\n") + "\n"
            let source = try workspace.directory.write("\(name).csv", text)
            #expect(try Subprocess.regime(["convert", source, "--target", "y", "-o", workspace.path("\(name).h5")]).status == 0)
        }
        let run = try workspace.regime()
        #expect(run.status == 0, "\(run.stderr)")
        let first = try File.open(workspace.path("results/features.h5"))
        let stages = try first.openDataset("summary/stage").readStrings()
        let testMSE = try first.openDataset("summary/test_mse").readDoubles()
        let errors = try first.openDataset("summary/test_error").readDoubles()
        // d differs between the stages (10 and 5): one weights dataset per point.
        #expect(try first.kind(of: "weights") == .group)
        let perPoint = try (0..<4).map { try first.openDataset("weights/\($0)").readDoubles() }
        // Replicates and stages are marked by role, not recognized by name.
        #expect(try first.openDataset("summary/rep").attribute("role").stringValue == "replicate")
        #expect(try first.openDataset("summary/stage").attribute("role").stringValue == "stage")
        try first.close()
        #expect(perPoint.map(\.count) == [10, 10, 10, 5])
        #expect(stages == ["sgd", "sgd", "sgd", "logistic"])
        // SGD on the standardized diabetes data fits (test MSE well below Var(y) ≈ 5900) …
        #expect(testMSE.prefix(3).allSatisfy { $0 > 2000 && $0 < 4500 }, "\(testMSE)")
        // … and its repeats draw different minibatch orders.
        #expect(perPoint[0] != perPoint[1] && perPoint[1] != perPoint[2])
        // The logistic fit classifies held-out sign labels well.
        #expect(errors[3] < 0.15, "test error \(errors[3])")
        // Reruns are bit-identical, SGD included.
        let again = try Workspace("features.yaml", label: "features-again")
        for name in ["train", "test"] {
            try FileManager.default.copyItem(atPath: workspace.path("\(name).h5"), toPath: again.path("\(name).h5"))
        }
        #expect(try again.regime().status == 0)
        #expect(try Workspace.differences(workspace.path("results/features.h5"), again.path("results/features.h5")).different.isEmpty)
    }
}
