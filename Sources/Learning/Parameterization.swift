import Datasets

/// The parameters of one coordinate: (u, v) for two-block models, (θ, 0) for
/// one-block models. Two plain fields, which the compiler keeps in registers.
public struct CoordinateParameters: Equatable, Sendable {
    public var u: Double
    public var v: Double

    @inline(__always) public init(_ u: Double, _ v: Double) {
        self.u = u
        self.v = v
    }
}

/// A parameterization w = φ(θ), elementwise: each weight wᵢ depends on the
/// parameters of coordinate i alone. Adding a model to regime means one type
/// conforming to this protocol.
///
/// The trainer calls these per coordinate inside its fused update loop; with
/// optimization on they inline and vectorize, so keep them branch-light.
public protocol Parameterization: Sendable {
    /// 1 (θ) or 2 (u and v).
    var blockCount: Int { get }

    /// The forward map: wᵢ from the coordinate's parameters.
    func weight(_ p: CoordinateParameters) -> Double

    /// The pull-back of a weight gradient: ∂L/∂(u, v) = g·∂w/∂(u, v), g = ∂L/∂wᵢ.
    func pullback(_ g: Double, _ p: CoordinateParameters) -> CoordinateParameters

    /// The initial parameters of one coordinate for scale α; `draw()` is 1 for a
    /// constant initialization and a standard normal draw for a Gaussian one.
    func initial(scale alpha: Double, draw: () -> Double) -> CoordinateParameters

    /// The factor κ by which the parameterization scales the curvature of the
    /// loss at initialization: the Gauss–Newton Hessian in θ is bounded by
    /// κ·∇²_w L. Used by `StepSize.auto`.
    func curvature(scale alpha: Double) -> Double
}

/// w = θ.
public struct Linear: Parameterization {
    public init() {}
    public var blockCount: Int { 1 }
    @inline(__always) public func weight(_ p: CoordinateParameters) -> Double { p.u }
    @inline(__always) public func pullback(_ g: Double, _ p: CoordinateParameters) -> CoordinateParameters {
        CoordinateParameters(g, 0)
    }
    public func initial(scale alpha: Double, draw: () -> Double) -> CoordinateParameters {
        CoordinateParameters(alpha * draw(), 0)
    }
    public func curvature(scale alpha: Double) -> Double { 1 }
}

/// w = u∘u: nonnegative weights (the x·(u∘u) model).
public struct Squared: Parameterization {
    public init() {}
    public var blockCount: Int { 1 }
    @inline(__always) public func weight(_ p: CoordinateParameters) -> Double { p.u * p.u }
    @inline(__always) public func pullback(_ g: Double, _ p: CoordinateParameters) -> CoordinateParameters {
        CoordinateParameters(2 * p.u * g, 0)
    }
    public func initial(scale alpha: Double, draw: () -> Double) -> CoordinateParameters {
        CoordinateParameters(alpha * abs(draw()), 0)
    }
    /// (∂w/∂u)² = 4u², taken at scale max(α, 1): weights of order one are where
    /// training ends up, and a step sized for a tiny α would diverge there.
    public func curvature(scale alpha: Double) -> Double { 4 * max(alpha * alpha, 1) }
}

/// w = u^D − v^D, a diagonal linear network of depth D ≥ 2 (Woodworth et al.,
/// "Kernel and rich regimes in overparametrized models", COLT 2020).
public struct Diagonal: Parameterization {
    public let depth: Int

    public init(depth: Int) {
        precondition(depth >= 2, "depth \(depth) < 2")
        self.depth = depth
    }

    public var blockCount: Int { 2 }

    @inline(__always) func power(_ x: Double, _ k: Int) -> Double {
        switch k {
        case 1: return x
        case 2: return x * x
        case 3: return x * x * x
        case 4: let s = x * x; return s * s
        default:
            var result = x
            for _ in 1..<k { result *= x }
            return result
        }
    }

    @inline(__always) public func weight(_ p: CoordinateParameters) -> Double {
        power(p.u, depth) - power(p.v, depth)
    }

    @inline(__always) public func pullback(_ g: Double, _ p: CoordinateParameters) -> CoordinateParameters {
        let scale = Double(depth) * g
        return CoordinateParameters(scale * power(p.u, depth - 1), -scale * power(p.v, depth - 1))
    }

    public func initial(scale alpha: Double, draw: () -> Double) -> CoordinateParameters {
        CoordinateParameters(alpha * abs(draw()), alpha * abs(draw()))
    }

    /// ‖∂w/∂(u, v)‖² = D²·(u^{2(D−1)} + v^{2(D−1)}) = 2D²·α^{2(D−1)} at u = v = α,
    /// taken at scale max(α, 1) as for `Squared`.
    public func curvature(scale alpha: Double) -> Double {
        2 * Double(depth * depth) * power(max(alpha * alpha, 1), depth - 1)
    }
}

extension ModelKind {
    /// The parameterization of this model.
    public var parameterization: any Parameterization {
        switch self {
        case .linear: return Linear()
        case .squared: return Squared()
        case .diagonal(let depth): return Diagonal(depth: depth)
        }
    }
}
