/// A fit that cannot start: inconsistent points, data the loss cannot take,
/// a reference that cannot be computed.
public struct LearningError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
