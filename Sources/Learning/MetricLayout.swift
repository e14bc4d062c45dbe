import Datasets

/// The metrics a batch reports, in order, and where each lives.
///
/// Squared loss: `objective`, `train_mse`, `test_mse` (with a test set),
/// `l1_norm`, `l2_norm`, `dist_truth` and `population_risk` (with a known
/// truth; the risk needs a known Gaussian design and noise level),
/// `dist_<reference>` per reference, `support_precision` and `support_recall`
/// (with a sparse truth). Logistic loss reports `train_loss`, `train_error`,
/// `test_loss`, `test_error` instead of the MSEs.
///
/// `population_risk` is the exact expected squared error of a fresh sample,
/// (w − w*)ᵀΣ(w − w*) + σ², with Σ = I for an isotropic design and
/// Σ_ij = ρ^|i−j| for an AR(1) one. The support of w is {i : |wᵢ| ≥ τ} with
/// τ = 0.1·min{|w*ᵢ| : w*ᵢ ≠ 0}: a coordinate counts once it carries a tenth of
/// the smallest true signal. Precision is 0 when the support of w is empty.
struct MetricLayout {
    var names: [String] = []
    var objective = 0
    var trainMSE: Int?, testMSE: Int?
    var trainLoss: Int?, trainError: Int?, testLoss: Int?, testError: Int?
    var l1Norm = 0, l2Norm = 0
    var distTruth: Int?, populationRisk: Int?
    var references: [Int] = []
    var perPointReferences: [Int] = []
    var supportPrecision: Int?, supportRecall: Int?
    /// ρ of the AR(1) design and σ, when the population risk is known.
    var risk: (rho: Double, noise: Double)?
    /// The support threshold τ and the number of nonzeros of w*, when the truth is sparse.
    var supportThreshold: Double?
    var supportSize = 0.0

    init(problem: FitProblem, loss: LossKind) {
        func add(_ name: String) -> Int {
            names.append(name)
            return names.count - 1
        }
        objective = add("objective")
        let hasTest = problem.test != nil
        switch loss {
        case .squared:
            trainMSE = add("train_mse")
            if hasTest { testMSE = add("test_mse") }
        case .logistic:
            trainLoss = add("train_loss")
            trainError = add("train_error")
            if hasTest {
                testLoss = add("test_loss")
                testError = add("test_error")
            }
        }
        l1Norm = add("l1_norm")
        l2Norm = add("l2_norm")
        if let truth = problem.train.truth {
            distTruth = add("dist_truth")
            if loss == .squared, case .gaussian(let rho)? = problem.train.design, let noise = problem.train.noise {
                populationRisk = add("population_risk")
                risk = (rho, noise)
            }
            let nonzero = truth.filter { $0 != 0 }.map(abs)
            if !nonzero.isEmpty, nonzero.count < truth.count {
                supportThreshold = 0.1 * nonzero.min()!
                supportSize = Double(nonzero.count)
            }
        }
        references = problem.references.map { add("dist_\($0.name)") }
        perPointReferences = problem.perPointReferences.map { add("dist_\($0.name)") }
        if supportThreshold != nil {
            supportPrecision = add("support_precision")
            supportRecall = add("support_recall")
        }
    }

    var count: Int { names.count }
}
