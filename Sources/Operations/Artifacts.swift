import struct Datasets.Dataset
import Datasets
import LinearAlgebra
import Learning
import Pipeline
import enum HDF5.FileLocking

/// What a data stage (load, synthesize, split, standardize) hands downstream:
/// training rows, and held-out rows once split.
public struct DataArtifact: Sendable {
    public var train: Dataset
    public var test: Dataset?
    /// diffuse: the images (also `train` and `test`, one row per image) and their denoising pairs.
    public var diffusion: DiffusionData?

    public init(train: Dataset, test: Dataset? = nil, diffusion: DiffusionData? = nil) {
        self.train = train
        self.test = test
        self.diffusion = diffusion
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

/// One trained fit point as a stage below it reads it (sample): its
/// denoiser, with what regenerates its random features.
public struct FitPointArtifact: Sendable {
    public var spec: DenoiserSpec
    /// `DenoiserWeights.flattened`; empty for the empirical-optimal denoiser.
    public var denoiser: [Double]
    public var featureStream: RandomStream

    public init(spec: DenoiserSpec, denoiser: [Double], featureStream: RandomStream) {
        self.spec = spec
        self.denoiser = denoiser
        self.featureStream = featureStream
    }
}

/// What a sample instance hands downstream: the images one fit point's
/// denoiser generated, and what they are measured by.
public struct SampleArtifact: Sendable, Equatable {
    /// S × h·w.
    public var images: Matrix
    public var shape: [Int]
    /// Per sample, the row of its nearest training image, and that image (S × h·w).
    public var nearestTrain: [Int]
    public var nearestImages: Matrix
    public var metricNames: [String]
    public var metrics: [Double]

    public init(images: Matrix, shape: [Int], nearestTrain: [Int], nearestImages: Matrix, metricNames: [String], metrics: [Double]) {
        self.images = images
        self.shape = shape
        self.nearestTrain = nearestTrain
        self.nearestImages = nearestImages
        self.metricNames = metricNames
        self.metrics = metrics
    }
}

/// The output of one non-fit stage instance (and a fit point, as read by a stage below it).
public enum Artifact: Sendable {
    case data(DataArtifact)
    case references(ReferenceArtifact)
    case fitPoint(FitPointArtifact)
    case samples(SampleArtifact)

    public var data: DataArtifact? { if case .data(let d) = self { return d } else { return nil } }
    public var references: ReferenceArtifact? { if case .references(let r) = self { return r } else { return nil } }
    public var fitPoint: FitPointArtifact? { if case .fitPoint(let f) = self { return f } else { return nil } }
    public var samples: SampleArtifact? { if case .samples(let s) = self { return s } else { return nil } }
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

    /// The random stream of an instance: seed, stage id and coordinates (docs/architecture.md).
    public func stream(for instance: StageInstance) -> RandomStream {
        RandomStream(seed: spec.seed).derived(instance.streamLabel)
    }
}

/// The HDF5 locking mode, re-exported so the CLI can pass it without importing HDF5 names.
public typealias FileLockingMode = FileLocking

/// What an op that reads a file checks after reading it: that the file still
/// has the content its digest (in the content key) was taken from.
public protocol InputVerifying: Sendable {
    func verifyUnchanged(_ path: String) throws
}

/// An op whose instances run one at a time and produce an artifact.
public protocol InstanceOperation: Operation {
    func run(_ instance: StageInstance, inputs: [String: [Artifact]], context: ExecutionContext) throws -> Artifact
}

/// A failure of one unit of a run, typed from where it happened to where the
/// exit code is chosen: which instance (or batch), whether the input was at
/// fault (exit 2) or the computation (exit 1), and the underlying error, whose
/// own description names the user's file and the reason.
public struct StageFailure: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable, Equatable {
        /// Bad input data or parameters the data cannot take: exit 2.
        case input
        /// A computation that failed (a reference that did not converge, a
        /// file that could not be written): exit 1.
        case computation
    }

    /// "fit batch 3 (4 points, first fit[init_scale=0.01])", or an instance's identity.
    public var identity: String
    public var kind: Kind
    public var underlying: any Error & Sendable

    public init(identity: String, kind: Kind, underlying: any Error & Sendable) {
        self.identity = identity
        self.kind = kind
        self.underlying = underlying
    }

    /// A failure whose cause is a sentence regime wrote itself.
    public init(identity: String, kind: Kind, message: String) {
        self.init(identity: identity, kind: kind, underlying: Problem(message))
    }

    public var description: String { "\(identity): \(underlying)" }

    /// A problem regime found and describes in words.
    public struct Problem: Error, CustomStringConvertible, Sendable {
        public var description: String
        public init(_ description: String) { self.description = description }
    }
}
