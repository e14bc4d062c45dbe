"""Ridge path in NumPy: one thin SVD of the training X, then every λ from the
factors — w(λ) = V·diag(s/(s² + nλ))·Uᵀy, the minimizer of 1/(2n)‖Xw − y‖² +
λ/2‖w‖² (regime's convention; scikit-learn's alpha is nλ) — with train and
test MSE and the norms of each w.

    python ridge_svd.py DATA_DIR OUT.npz [--lambdas 100]
"""
import numpy as np

from peer import Peer

run = Peer(lambdas=100)
args = run.args
X, y = run.X, run.y
X_test, y_test = run.X_test, run.y_test

n = X.shape[0]
lambdas = np.logspace(-6, 2, args.lambdas)
U, s, Vt = np.linalg.svd(X, full_matrices=False)
C = (s * (U.T @ y))[:, None] / (s[:, None] ** 2 + n * lambdas)   # n × L coefficients in the V basis
W = Vt.T @ C                                                       # d × L weights
train_mse = (((U * s) @ C - y[:, None]) ** 2).mean(0)
test_mse = (((X_test @ Vt.T) @ C - y_test[:, None]) ** 2).mean(0)
l2_norm = np.sqrt((C * C).sum(0))
l1_norm = np.abs(W).sum(0)
objective = train_mse / 2 + lambdas / 2 * l2_norm ** 2
run.stop()

run.finish(l2=lambdas, weights=W.T, train_mse=train_mse, test_mse=test_mse, l2_norm=l2_norm,
         l1_norm=l1_norm, objective=objective)
