"""Independent solutions for regime's Learning tests, computed by
scikit-learn and SciPy from the problem regime writes to IN.h5 (/x, /y and
optional /lambdas); results go to OUT.h5.

  ridge:     sklearn Ridge(alpha = n·λ, fit_intercept=False) for each λ.
  lasso:     sklearn Lasso(alpha = λ, fit_intercept=False) for each λ, and the
             same with positive=True (the squared model with weight decay).
  linprog:   basis pursuit min ‖w‖₁ s.t. Xw = y by scipy.optimize.linprog (HiGHS).
  svm:       the hard-margin SVM without intercept, min ‖w‖² s.t. yᵢxᵢᵀw ≥ 1,
             by SLSQP; writes its unit direction.
"""
import sys

import h5py
import numpy as np
from scipy.optimize import linprog, minimize
from sklearn.linear_model import Lasso, Ridge

command, source, target = sys.argv[1], sys.argv[2], sys.argv[3]
with h5py.File(source, "r") as f:
    X = f["x"][()]
    y = f["y"][()]
    lambdas = f["lambdas"][()] if "lambdas" in f else np.array([])
n, d = X.shape

with h5py.File(target, "w") as out:
    if command == "ridge":
        out["w"] = np.array([Ridge(alpha=n * lam, fit_intercept=False, solver="cholesky", tol=1e-14)
                             .fit(X, y).coef_ for lam in lambdas])
    elif command == "lasso":
        fit = lambda lam, positive: Lasso(alpha=lam, fit_intercept=False, positive=positive,
                                          tol=1e-14, max_iter=1_000_000).fit(X, y).coef_
        out["w"] = np.array([fit(lam, False) for lam in lambdas])
        out["w_positive"] = np.array([fit(lam, True) for lam in lambdas])
    elif command == "linprog":
        result = linprog(np.ones(2 * d), A_eq=np.hstack([X, -X]), b_eq=y, bounds=(0, None), method="highs",
                         options={"primal_feasibility_tolerance": 1e-10, "dual_feasibility_tolerance": 1e-10})
        assert result.status == 0, result.message
        out["w"] = result.x[:d] - result.x[d:]
    elif command == "svm":
        # SLSQP finds the active set (the support vectors); the KKT system on it
        # is then solved exactly: w = Z_Sᵀ·μ with Z_S·w = 1, μ ≥ 0, and every
        # other margin ≥ 1.
        Z = X * y[:, None]
        result = minimize(lambda w: w @ w, np.ones(d) / np.sqrt(d), jac=lambda w: 2 * w, method="SLSQP",
                          constraints=[{"type": "ineq", "fun": lambda w: Z @ w - 1, "jac": lambda w: Z}],
                          options={"ftol": 1e-12, "maxiter": 10_000})
        active = np.where(Z @ result.x - 1 < 1e-6)[0]
        ZS = Z[active]
        mu = np.linalg.solve(ZS @ ZS.T, np.ones(len(active)))
        w = ZS.T @ mu
        assert mu.min() > -1e-10, "a support vector with a negative multiplier"
        assert (Z @ w).min() > 1 - 1e-10, "a margin below 1"
        out["w"] = w / np.linalg.norm(w)
    else:
        raise SystemExit(f"unknown command {command}")
