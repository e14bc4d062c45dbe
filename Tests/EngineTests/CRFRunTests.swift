import Foundation
import HDF5
import Testing
import TestSupport

/// CRFs through `regime run`: HMM sequences split whole, the CRF against
/// per-token softmax, sequences loaded from HDF5 and CSV, and bad input.
@Suite("regime run: CRFs")
struct CRFRunTests {
    @Test("sticky sequences: the CRF beats per-token softmax; every point converged; the same bits with --jobs 1 and 2")
    func crfAgainstSoftmax() throws {
        let workspace = try Workspace("crf.yaml", label: "crf")
        let run = try workspace.regime("run", ["--jobs", "2"])
        #expect(run.status == 0, "\(run.stderr)")
        let (file, strings, numbers) = try ResultsFiles.summary(workspace.path("results/crf.h5"))
        defer { try? file.close() }
        let stage = try strings("stage"), accuracy = try numbers("test_token_accuracy")
        #expect(try numbers("converged").allSatisfy { $0 == 1 })
        let crf = stage.indices.filter { stage[$0] == "crf" }.map { accuracy[$0] }
        let softmax = stage.indices.filter { stage[$0] == "softmax" }.map { accuracy[$0] }
        #expect(crf.count == 5 && softmax.count == 5)
        #expect(crf.min()! > softmax.max()! + 0.05, "crf \(crf), softmax \(softmax)")
        // θ in /weights, one dataset per point (the layouts differ): 4×20 emissions, 4×4 transitions,
        // start and end for the CRF; 4×20 emissions for softmax.
        let weights = try file.openGroup("weights")
        #expect(try weights.memberNames().count == 10)
        #expect(try weights.openDataset("0").shape == [104] && weights.openDataset("5").shape == [80])
        let serial = try Workspace("crf.yaml", label: "crf-serial")
        #expect(try serial.regime("run", ["--jobs", "1"]).status == 0)
        #expect(try ResultsFiles.differences(workspace.path("results/crf.h5"), serial.path("results/crf.h5")).isEmpty)
    }

    /// A pipeline loading `file` with `keys`, training a CRF, writing results.h5.
    func loading(_ file: String, _ keys: String, test: String = "") -> String {
        """
        version: 1
        seed: 1
        stages:
          data: {op: load, path: \(file), \(keys)\(test)}
          \(test.isEmpty ? "split: {op: split, input: data, test: 1}\n  " : "")crf: {op: fit, input: \(test.isEmpty ? "split" : "data"), model: crf, l2: 0.1, optimizer: {method: lbfgs}}
          out: {op: write, input: crf, path: results.h5}
        """
    }

    @Test("sequences load from HDF5 (a dataset of lengths) and CSV (a sequence-id column, which is not a feature)")
    func loads() throws {
        let dir = try TemporaryDirectory("crf-load")
        let file = try File.create(dir.file("seq.h5"))
        try file.write("X", (0..<24).map { Double($0 % 5) }, shape: [12, 2])
        try file.write("y", [0, 1, 1, 0, 2, 2, 0, 1, 1, 2, 0, 0].map(Double.init))
        try file.write("lengths", [3.0, 2, 4, 1, 2])
        try file.write("offsets", [0.0, 3, 5, 9, 10])
        try file.close()
        try dir.write("seq.csv", "id,a,b,label\n7,1,0,0\n7,0,1,1\n9,1,1,1\n9,0,0,0\n4,1,0,2\n4,1,1,2\n4,0,0,0\n")
        for (name, pipeline) in [("h5", loading("seq.h5", "lengths: /lengths")), ("offsets", loading("seq.h5", "offsets: /offsets")),
                                 ("csv", loading("seq.csv", "target: label, sequence: id"))] {
            let path = try dir.write("\(name).yaml", pipeline)
            let run = try Subprocess.regime(["run", path, "--cache", dir.file("cache-\(name)")])
            #expect(run.status == 0, "\(name): \(run.stderr)")
            let results = try File.open(dir.file("results.h5"))
            // 3 classes, 2 features (the CSV's id column is not one): 3·2 emissions + 9 transitions + 6 boundaries.
            #expect(try results.openDataset("weights").shape == [1, 21], "\(name)")
            #expect(try results.openDataset("feature").readStrings().prefix(2) == ["E[0,\(name == "csv" ? "a" : "x1")]", "E[0,\(name == "csv" ? "b" : "x2")]"])
            try results.close()
        }
    }

    @Test("bad sequences and labels: a sequence of length 0, a split sequence, one in train and test, labels that are not classes — exit 2, the place named")
    func badInput() throws {
        let dir = try TemporaryDirectory("crf-bad")
        let file = try File.create(dir.file("seq.h5"))
        try file.write("X", (0..<12).map(Double.init), shape: [6, 2])
        try file.write("y", [0, 1, 1, 0, 2, 2].map(Double.init))
        try file.write("fractional", [0, 1, 1.5, 0, 2, 2])
        try file.write("zero", [3.0, 0, 3])
        try file.write("lengths", [3.0, 3])
        try file.write("holes", [0, 1, .nan, 3, 4, 5, 6, 7, 8, 9, 10, 11], shape: [6, 2])
        try file.close()
        try dir.write("split.csv", "id,a,label\n1,0,0\n2,1,1\n1,1,0\n")
        try dir.write("train.csv", "id,a,label\n1,0,0\n1,1,1\n2,1,0\n")
        try dir.write("test.csv", "id,a,label\n3,0,0\n2,1,1\n")
        let cases: [(pipeline: String, message: String)] = [
            (loading("seq.h5", "lengths: /zero"), "seq.h5: /zero: sequence 1 has length 0; every sequence needs at least one token"),
            (loading("split.csv", "target: label, sequence: id"), "split.csv:4: column 1 ('id'): sequence 1 continues here after other sequences"),
            (loading("train.csv", "target: label, sequence: id", test: ", test: {path: test.csv}"),
             "test.csv: sequence 2 is in both the training file and the test file"),
            (loading("seq.h5", "lengths: /lengths, y: /fractional"), "training row 2 has label 1.5; a CRF or softmax needs class labels"),
            (loading("seq.h5", "lengths: /lengths, x: /holes"), "seq.h5: /holes: row 1, column 0 holds nan"),
        ]
        for (index, (pipeline, message)) in cases.enumerated() {
            let path = try dir.write("bad\(index).yaml", pipeline)
            let run = try Subprocess.regime(["run", path, "--cache", dir.file("cache\(index)")])
            #expect(run.status == 2, "\(message): \(run.stderr)")
            #expect(run.stderr.contains(message), "\(run.stderr)")
        }
        // A CRF needs sequences; per-token softmax does not.
        let noSequences = try dir.write("plain.yaml", loading("seq.h5", "y: /y"))
        let refused = try Subprocess.regime(["run", noSequences, "--cache", dir.file("cache-plain")])
        #expect(refused.status == 2 && refused.stderr.contains("model crf needs sequences"), "\(refused.stderr)")
    }

    @Test("a sweep across engines and layouts trains each point by its own: regression beside a CRF, CRFs with and without boundaries")
    func mixedSweep() throws {
        let workspace = try Workspace("crf.yaml", label: "crf-mixed")
        let run = try workspace.regime("run", ["--set", "crf.sweep={model: [linear, crf], boundaries: [true, false]}", "--set", "crf.l2=0.1",
                                               "--set", "crf.optimizer.method=gd", "--set", "crf.optimizer.steps=50"])
        #expect(run.status == 0, "\(run.stderr)")
        let (file, strings, numbers) = try ResultsFiles.summary(workspace.path("results/crf.h5"))
        defer { try? file.close() }
        let stage = try strings("stage"), model = try strings("model")
        let mse = try numbers("train_mse"), accuracy = try numbers("test_token_accuracy")
        for row in stage.indices where stage[row] == "crf" {
            // A regression point has a squared error and no token accuracy; a CRF point the other way round.
            #expect(model[row] == "linear" ? mse[row].isFinite && accuracy[row].isNaN : mse[row].isNaN && accuracy[row].isFinite, "row \(row)")
        }
        let weights = try file.openGroup("weights")
        let lengths = try (0..<4).map { try weights.openDataset(String($0)).shape[0] }
        #expect(lengths == [20, 20, 104, 96], "\(lengths)")
    }
}
