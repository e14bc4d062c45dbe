import Base

/// The SHA-256 digests of the files a pipeline reads, which enter the content
/// keys of the instances reading them: an edited input reruns exactly what
/// depends on it.
public protocol InputFileDigests: Sendable {
    /// The digest of the file at `path` (already resolved against the
    /// pipeline's directory). Throws when the file cannot be read.
    func digest(of path: String) throws -> SHA256Digest
}

/// A plan with the content key of every instance: SHA-256 of its op, the op's
/// and regime's numerics versions, its canonical parameters, the keys of its
/// inputs, the digests of the files it reads, its random stream's identity
/// (for ops that draw) and, for outputs, the pipeline text they record.
/// Same inputs → same key; any change anywhere upstream → a new key.
public struct KeyedPlan: Sendable {
    public let plan: Plan
    private let keys: [SHA256Digest]
    /// The digest of each input file, by resolved path.
    private let fileDigests: [String: SHA256Digest]
    /// The digest of the pipeline text and overrides, which outputs record.
    private let provenance: String

    public var spec: PipelineSpec { plan.spec }

    public init(_ plan: Plan, files: some InputFileDigests) throws {
        self.plan = plan
        provenance = ContentKey.hash(plan.spec.text + "\n" + plan.spec.overrides.joined(separator: "\n"))
        var digests: [String: SHA256Digest] = [:]
        for expansion in plan.expansions {
            let operation = expansion.stage.operation
            guard !operation.schema.filePaths(.input).isEmpty else { continue }
            for index in expansion.range {
                for (_, path) in operation.files(.input, in: plan.instance(index).parameters) {
                    let resolved = plan.spec.resolve(path)
                    if digests[resolved] == nil { digests[resolved] = try files.digest(of: resolved) }
                }
            }
        }
        fileDigests = digests
        var keys: [SHA256Digest] = []
        keys.reserveCapacity(plan.count)
        for index in 0..<plan.count {
            let parts = KeyedPlan.parts(of: plan.instance(index), plan: plan, keys: keys, files: digests, provenance: provenance)
            keys.append(KeyedPlan.key(parts, operation: plan.expansion(containing: index).stage.operation.name))
        }
        self.keys = keys
    }

    /// The content key of an instance, as 64 hex digits.
    public func key(_ index: Int) -> String { keys[index].hex }

    /// Instance `index` with its key and the parts the key hashes.
    public func instance(_ index: Int) -> KeyedInstance {
        let instance = plan.instance(index)
        return KeyedInstance(instance: instance, key: keys[index].hex,
                             parts: KeyedPlan.parts(of: instance, plan: plan, keys: keys, files: fileDigests, provenance: provenance))
    }

    public var instances: Instances { Instances(plan: self) }

    public func indices(of stage: String) -> Range<Int> { plan.indices(of: stage) }

    public func instances(of stage: String) -> [KeyedInstance] { indices(of: stage).map(instance) }

    public struct Instances: RandomAccessCollection, Sendable {
        let plan: KeyedPlan
        public var startIndex: Int { 0 }
        public var endIndex: Int { plan.plan.count }
        public subscript(index: Int) -> KeyedInstance { plan.instance(index) }
    }

    static func parts(of instance: StageInstance, plan: Plan, keys: [SHA256Digest], files: [String: SHA256Digest],
                      provenance: String) -> StageInstance.KeyParts {
        let operation = plan.expansion(containing: instance.index).stage.operation
        var inputs = instance.inputs.map { slot in
            slot.slot + "=" + slot.instances.map { keys[$0].hex }.joined(separator: ",")
        }.joined(separator: ";")
        // A gathering stage reads every point: its parts keep a digest of the list.
        if operation.gathers { inputs = "sha256:" + ContentKey.hash(inputs) }
        let fileText = operation.files(.input, in: instance.parameters).map { key, path in
            "\(key)=\(path)@\(files[plan.spec.resolve(path)]!.hex)"
        }.joined(separator: ";")
        return StageInstance.KeyParts(
            numerics: "regime \(ContentKey.numericsVersion), \(operation.name) \(operation.numericsVersion)",
            parameters: Value.map(instance.parameters).canonical, inputs: inputs,
            stream: operation.usesRandomness ? instance.streamLabel : "",
            provenance: operation.gathers ? provenance : "", files: fileText)
    }

    static func key(_ parts: StageInstance.KeyParts, operation: String) -> SHA256Digest {
        var hasher = Hasher256()
        for (index, part) in [operation, parts.numerics, parts.parameters, parts.inputs, parts.stream, parts.provenance,
                              parts.files].enumerated() {
            if index > 0 { hasher.update("\n") }
            hasher.update(part)
        }
        return hasher.finalize()
    }
}

/// An instance with its content key.
public struct KeyedInstance: Sendable {
    public let instance: StageInstance
    /// The content key: 64 hex digits.
    public let key: String
    /// The parts the key hashes, kept to explain why an instance must run.
    public let parts: StageInstance.KeyParts

    public var index: Int { instance.index }
    public var stage: String { instance.stage }
    public var identity: String { instance.identity }
    public var coordinates: [Coordinate] { instance.coordinates }
    public var ownCoordinates: [Coordinate] { instance.ownCoordinates }
    public var parameters: ValueMap { instance.parameters }
    public var streamLabel: String { instance.streamLabel }
    public var inputs: [(slot: String, instances: [Int])] { instance.inputs }
    public func inputs(_ slot: String) -> [Int] { instance.inputs(slot) }
}

extension StageInstance {
    /// What a content key hashes, kept to say why an instance must run.
    public struct KeyParts: Codable, Equatable, Sendable {
        public var numerics: String
        public var parameters: String
        public var inputs: String
        public var stream: String
        /// For outputs: the digest of the pipeline text and overrides they
        /// record as provenance (so a changed comment rewrites the results file).
        public var provenance: String
        /// The input files read, each `key=path@sha256`.
        public var files: String

        public init(numerics: String, parameters: String, inputs: String, stream: String, provenance: String = "",
                    files: String = "") {
            self.numerics = numerics
            self.parameters = parameters
            self.inputs = inputs
            self.stream = stream
            self.provenance = provenance
            self.files = files
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            numerics = try container.decode(String.self, forKey: .numerics)
            parameters = try container.decode(String.self, forKey: .parameters)
            inputs = try container.decode(String.self, forKey: .inputs)
            stream = try container.decode(String.self, forKey: .stream)
            provenance = try container.decodeIfPresent(String.self, forKey: .provenance) ?? ""
            files = try container.decodeIfPresent(String.self, forKey: .files) ?? ""
        }
    }
}
