import Datasets

/// The asymptotic population risk of the minimum-norm least-squares solution on
/// an isotropic Gaussian design (Hastie, Montanari, Rosset and Tibshirani,
/// "Surprises in high-dimensional ridgeless least squares interpolation",
/// 2019, Theorems 1 and 2), as n, d → ∞ with d/n = γ:
///
///     σ² + σ²·γ/(1 − γ)                   for γ < 1,
///     σ² + r²·(1 − 1/γ) + σ²/(γ − 1)      for γ > 1,
///
/// with r = ‖w*‖ and σ the noise. Reported as `asymptotic_risk` beside the
/// exact finite-sample `population_risk` for linear, squared-loss points
/// without a penalty on such data (where it is the limit gradient descent from
/// 0 and method exact reach); nil when no point of the batch qualifies.
public enum AsymptoticRisk {
    public static func values(specs: [FitSpec], train: Dataset) -> [Double]? {
        guard let truth = train.truth, let sigma = train.noise, case .gaussian(let rho)? = train.design,
              rho == 0 else { return nil }
        let gamma = Double(train.features) / Double(train.rows)
        let r2 = truth.reduce(0) { $0 + $1 * $1 }, s2 = sigma * sigma
        let risk: Double = gamma < 1 ? s2 + s2 * gamma / (1 - gamma)
            : gamma > 1 ? s2 + r2 * (1 - 1 / gamma) + s2 / (gamma - 1) : .infinity
        let qualifies = specs.map { $0.model == .linear && $0.loss == .squared && $0.penalty == Penalty() }
        guard qualifies.contains(true) else { return nil }
        return qualifies.map { $0 ? risk : .nan }
    }
}
