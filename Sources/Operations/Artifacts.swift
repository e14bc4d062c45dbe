import struct Datasets.Dataset
import Datasets
import Learning
import Pipeline

/// What a data stage (load, synthesize, split, standardize) hands downstream:
/// training rows, and held-out rows once split.
public struct DataArtifact: Sendable {
    public var train: Dataset
    public var test: Dataset?

    public init(train: Dataset, test: Dataset? = nil) {
        self.train = train
        self.test = test
    }
}

/// What a reference stage hands downstream: solutions on the training rows.
public struct ReferenceArtifact: Sendable {
    public var fixed: [(name: String, weights: [Double])]
    public var matched: [MatchedReference]

    public init(fixed: [(name: String, weights: [Double])], matched: [MatchedReference]) {
        self.fixed = fixed
        self.matched = matched
    }
}

/// The output of one non-fit stage instance.
public enum Artifact: Sendable {
    case data(DataArtifact)
    case references(ReferenceArtifact)

    public var data: DataArtifact? { if case .data(let d) = self { return d } else { return nil } }
    public var references: ReferenceArtifact? { if case .references(let r) = self { return r } else { return nil } }
}

/// What an instance's execution may use besides its inputs.
public struct ExecutionContext: Sendable {
    public var spec: PipelineSpec
    public var locking: FileLockingMode
    /// The digests the content keys were computed from; ops that read files
    /// check after reading that the files still match them.
    public var inputFiles: any InputVerifying
    /// Set when the run is interrupted; long computations poll it.
    public var cancelled: @Sendable () -> Bool

    public init(spec: PipelineSpec, locking: FileLockingMode, inputFiles: any InputVerifying,
                cancelled: @escaping @Sendable () -> Bool) {
        self.spec = spec
        self.locking = locking
        self.inputFiles = inputFiles
        self.cancelled = cancelled
    }

    /// The random stream of an instance: seed, stage id and coordinates (DESIGN §5).
    public func stream(for instance: StageInstance) -> RandomStream {
        RandomStream(seed: spec.seed).derived(instance.streamLabel)
    }
}

/// The HDF5 locking mode, re-exported so the CLI can pass it without importing HDF5 names.
public typealias FileLockingMode = HDF5.FileLocking

/// What an op that reads a file checks after reading it: that the file still
/// has the content its digest (in the content key) was taken from.
public protocol InputVerifying: Sendable {
    func verifyUnchanged(_ path: String) throws
}

/// An op whose instances run one at a time and produce an artifact.
public protocol InstanceOperation: Operation {
    func run(_ instance: StageInstance, inputs: [String: [Artifact]], context: ExecutionContext) throws -> Artifact
}

/// A failure of one instance that names the stage instance, for the run summary.
public struct StageFailure: Error, CustomStringConvertible, Sendable {
    public var identity: String
    public var message: String
    /// Whether it is bad input data (exit code 2) rather than a failed computation.
    public var isInputError: Bool

    public var description: String { "\(identity): \(message)" }

    public init(identity: String, message: String, isInputError: Bool) {
        self.identity = identity
        self.message = message
        self.isInputError = isInputError
    }
}

import HDF5
