"""Ridge path in NumPy: one thin SVD of the training X, then every λ from the
factors — w(λ) = V·diag(s/(s² + nλ))·Uᵀy, the minimizer of 1/(2n)‖Xw − y‖² +
λ/2‖w‖² (regime's convention; scikit-learn's alpha is nλ) — with train and
test MSE and the norms of each w.

    python ridge_svd.py DATA_DIR OUT.npz [--lambdas 100]
"""
import argparse
import json
import time

import h5py
import numpy as np

parser = argparse.ArgumentParser()
parser.add_argument("data")
parser.add_argument("out")
parser.add_argument("--lambdas", type=int, default=100)
args = parser.parse_args()

start = time.perf_counter()
with h5py.File(f"{args.data}/train.h5") as f:
    X, y = f["X"][()], f["y"][()]
with h5py.File(f"{args.data}/test.h5") as f:
    X_test, y_test = f["X"][()], f["y"][()]
loaded = time.perf_counter()

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
done = time.perf_counter()

np.savez(args.out, l2=lambdas, weights=W.T, train_mse=train_mse, test_mse=test_mse, l2_norm=l2_norm,
         l1_norm=l1_norm, objective=objective)
print(json.dumps({"load_seconds": loaded - start, "compute_seconds": done - loaded}))
