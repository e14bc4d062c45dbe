/// A LAPACK routine reported failure (`info != 0`), or its input could not be
/// used (not finite, wrong shape).
public struct LinearAlgebraError: Error, CustomStringConvertible, Sendable {
    /// The routine, e.g. `dposv`.
    public var routine: String
    /// LAPACK's `info` (0 for problems found before calling it).
    public var info: Int
    public var message: String

    public init(routine: String, info: Int, message: String) {
        self.routine = routine
        self.info = info
        self.message = message
    }

    public var description: String { "\(routine): \(message)" }
}

extension LinearAlgebraError {
    /// The error for a nonzero `info`, with the routine's own meaning of a
    /// positive value and LAPACKE's of its special negative ones.
    static func from(routine: String, info: Int32, positive: (Int) -> String) -> LinearAlgebraError {
        let info = Int(info)
        let message: String
        switch info {
        case -1010: message = "LAPACKE could not allocate its work space"
        case -1011: message = "LAPACKE could not allocate the transposed copy of its input"
        case ..<0: message = "argument \(-info) had an illegal value"
        default: message = positive(info)
        }
        return LinearAlgebraError(routine: routine, info: info, message: message)
    }

    static func requireFinite(_ values: [Double], routine: String, name: String) throws {
        if !values.allSatisfy({ $0.isFinite }) {
            throw LinearAlgebraError(routine: routine, info: 0, message: "\(name) contains NaN or infinity")
        }
    }
}
